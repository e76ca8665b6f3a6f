import Embeddings
import Foundation
import Testing

/// WordPiece on a small tokenizer.json written here: greedy longest pieces, `[UNK]` for a
/// word with an uncovered part or too many characters, special tokens matched in raw text,
/// and the BERT normalizer and pre-tokenizer.
struct WordPieceTokenizerTests {
    private func tokenizer(maxCharacters: Int = 100) throws -> WordPieceTokenizer {
        let pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "aff", "!", "cafe", "中", ",", "##s", "a"]
        let vocab = Dictionary(uniqueKeysWithValues: pieces.enumerated().map { ($1, $0) })
        let json: [String: Any] = [
            "added_tokens": [["id": 2, "content": "[CLS]", "special": true], ["id": 3, "content": "[SEP]", "special": true]],
            "normalizer": ["type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": NSNull(), "lowercase": true],
            "pre_tokenizer": ["type": "BertPreTokenizer"],
            "model": ["type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": maxCharacters, "vocab": vocab],
        ]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        return try WordPieceTokenizer(contentsOf: url)
    }

    @Test func greedyLongestPieces() throws {
        let t = try tokenizer()
        #expect(t.encode("unaffable") == [4, 5, 6])
        #expect(t.encode("UNAFFABLE!") == [4, 5, 6, 8])
        #expect(t.encode("affs") == [7, 12])
        #expect(t.encode("unx") == [1])  // `##x` is no piece: the whole word is [UNK]
        #expect(t.encode("  ") == [])
    }

    @Test func normalizesAccentsCaseAndCJK() throws {
        let t = try tokenizer()
        #expect(t.encode("Café") == [9])
        #expect(t.encode("CAFE\u{301}") == [9])
        #expect(t.encode("a中a") == [13, 10, 13])
        #expect(t.encode("a,a\u{0007}\u{00A0}a") == [13, 11, 13, 13])
    }

    @Test func specialTokensInRawText() throws {
        let t = try tokenizer()
        #expect(t.encode("a[SEP]a") == [13, 3, 13])
        #expect(t.encode("[cls]") == [1, 1, 1])  // lowercase is no special token: `[`, `cls`, `]` are unknown
        #expect(t.sequence(content: [13, 13, 13], maxLength: 4) == [2, 13, 13, 3])
    }

    @Test func wordsOverTheCharacterLimitAreUnknown() throws {
        let t = try tokenizer(maxCharacters: 4)
        #expect(t.encode("cafe") == [9])
        #expect(t.encode("unaff") == [1])
    }

    @Test func refusesOtherTokenizerKinds() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UUID().uuidString).json")
        try Data(#"{"model":{"type":"BPE","vocab":{}}}"#.utf8).write(to: url)
        #expect(throws: EmbeddingsError.self) { try WordPieceTokenizer(contentsOf: url) }
    }
}
