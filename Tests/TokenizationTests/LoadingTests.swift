import Foundation
import GGUF
import Testing
import Tokenization

/// Loading from metadata: clear errors for what is unsupported or malformed, and the
/// pre-tokenizer chosen by `tokenizer.ggml.pre`.
@Suite struct LoadingTests {
    /// A tiny byte-level vocabulary: the printable ASCII letters/digits/punctuation, "Ġ", and a few merges.
    static let pieces: [String] = (0x21...0x7E).map { String(UnicodeScalar(UInt8($0))) } + ["Ġ", "Ġa", "ab", "12", "123"]
    static let merges = ["Ġ a", "a b", "1 2", "12 3"]

    static func load(_ overrides: [(String, TinyGGUF.Value)], dropping dropped: Set<String> = []) throws -> Tokenizer {
        var entries: [(String, TinyGGUF.Value)] = [
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string("gpt-2")),
            ("tokenizer.ggml.tokens", .strings(pieces)),
            ("tokenizer.ggml.merges", .strings(merges)),
        ].filter { !dropped.contains($0.0) }
        for (key, value) in overrides {
            entries.removeAll { $0.0 == key }
            entries.append((key, value))
        }
        let path = try TinyGGUF.write(entries)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try Tokenizer(gguf: GGUFFile(path: path))
    }

    @Test func unknownPreTokenizerIsAnError() {
        #expect(throws: TokenizerError.unsupportedPreTokenizer("no-such-pre")) {
            try Self.load([("tokenizer.ggml.pre", .string("no-such-pre"))])
        }
    }

    @Test func otherTokenizerModelsAreRejected() {
        // "gpt2" (byte-level BPE) and "llama" (SentencePiece) are served; RWKV's trie tokenizer is not.
        #expect(throws: TokenizerError.unsupportedModel("rwkv")) {
            try Self.load([("tokenizer.ggml.model", .string("rwkv"))])
        }
    }

    @Test func missingVocabularyIsNamed() {
        #expect(throws: TokenizerError.missingVocabulary) {
            try Self.load([], dropping: ["tokenizer.ggml.tokens"])
        }
    }

    @Test func malformedMergeIsNamed() {
        #expect(throws: TokenizerError.badMerge(index: 1, rule: "ab")) {
            try Self.load([("tokenizer.ggml.merges", .strings(["Ġ a", "ab"]))])
        }
    }

    @Test func missingMergesAreNamed() throws {
        let error = try #require(throws: TokenizerError.self) {
            try Self.load([], dropping: ["tokenizer.ggml.merges"])
        }
        #expect(error.description.contains("tokenizer.ggml.merges"))
    }

    @Test func mismatchedTokenTypesAreNamed() {
        #expect(throws: TokenizerError.tokenTypeCountMismatch(tokens: Self.pieces.count, types: 2)) {
            try Self.load([("tokenizer.ggml.token_type", .ints([1, 1]))])
        }
    }

    @Test func mergesApplyByRankWithinWords() throws {
        let tokenizer = try Self.load([])
        let pieces = tokenizer.encode(" ab ab").map(tokenizer.tokenText)
        // "Ġa" (rank 0) beats "ab" (rank 1): " ab" becomes "Ġa" + "b", not "Ġ" + "ab".
        #expect(pieces == [" a", "b", " a", "b"])
        #expect(tokenizer.encode("ab").map(tokenizer.tokenText) == ["ab"])
        #expect(tokenizer.decode(tokenizer.encode(" ab ab")) == " ab ab")
    }

    @Test func preTokenizersSplitDigitsDifferently() throws {
        let text = "12345"
        let gpt2 = try Self.load([])
        #expect(gpt2.encode(text).map(gpt2.tokenText) == ["123", "4", "5"])
        let smollm = try Self.load([("tokenizer.ggml.pre", .string("smollm"))])
        #expect(smollm.encode(text).map(smollm.tokenText) == ["1", "2", "3", "4", "5"])
        // llama.cpp's default: punctuation runs, GPT-2, \p{N}+, then [0-9]{3} groups.
        let defaultPre = try Self.load([("tokenizer.ggml.pre", .string("default"))])
        #expect(gpt2.encode("1234512").map(gpt2.tokenText) == ["123", "4", "5", "12"])
        // "1234512" -> "123" "451" "2"; "451" has no merges.
        #expect(defaultPre.encode("1234512").map(defaultPre.tokenText) == ["123", "4", "5", "1", "2"])
        // Llama 3 groups digits by three, Qwen 2 takes them one at a time.
        let llama3 = try Self.load([("tokenizer.ggml.pre", .string("llama-bpe"))])
        #expect(llama3.encode("1234512").map(llama3.tokenText) == ["123", "4", "5", "1", "2"])  // 123 451 2
        #expect(llama3.addsBOS)
        let qwen2 = try Self.load([("tokenizer.ggml.pre", .string("qwen2"))])
        #expect(qwen2.encode("1234512").map(qwen2.tokenText) == ["1", "2", "3", "4", "5", "1", "2"])
        #expect(!qwen2.addsBOS)
        let missingPre = try Self.load([], dropping: ["tokenizer.ggml.pre"])
        #expect(missingPre.encode("1234512") == defaultPre.encode("1234512"))
    }

    @Test func defaultPreTokenizerIsolatesPunctuationRuns() throws {
        let tokenizer = try Self.load([("tokenizer.ggml.pre", .string("default"))])
        // "ab" would merge across "a,b" if punctuation did not split first; here "a" "," "b".
        #expect(tokenizer.encode("ab,ab").map(tokenizer.tokenText) == ["ab", ",", "ab"])
        #expect(tokenizer.decode(tokenizer.encode("x+=y; 12,345")) == "x+=y; 12,345")
    }

    @Test func specialTokenDefaultsFollowLlamaCpp() throws {
        let tokenizer = try Self.load([
            ("tokenizer.ggml.bos_token_id", .uint32(3)),
            ("tokenizer.ggml.eos_token_id", .uint32(4)),
            ("tokenizer.ggml.add_bos_token", .bool(true)),
        ])
        #expect(tokenizer.bosTokenID == 3)
        #expect(tokenizer.eosTokenID == 4)
        #expect(tokenizer.addsBOS)
        #expect(tokenizer.endOfGenerationTokenIDs == [4])
        #expect(tokenizer.vocabularySize == Self.pieces.count)
    }
}
