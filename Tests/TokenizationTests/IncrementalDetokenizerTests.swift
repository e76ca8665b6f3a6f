import Testing
import Tokenization
import TestSupport

/// Streaming detokenization: whole characters only, and the same text as decoding at once.
@Suite struct IncrementalDetokenizerTests {
    static func stream(_ ids: [Int], _ tokenizer: Tokenizer, skipSpecial: Bool = false) -> [String] {
        var detokenizer = IncrementalDetokenizer(tokenizer: tokenizer, skipSpecial: skipSpecial)
        return ids.map { detokenizer.append($0) } + [detokenizer.finish()]
    }

    @Test func multiByteCharactersAreNeverSplit() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        for text in ["😀😃😄 emoji 👍🏽 family 👨‍👩‍👧‍👦", "日本語のテキストです。中文分词测试", "€ 𝄞 ∑∫√∞"] {
            let ids = tokenizer.encode(text)
            // The fixture texts really do split characters across tokens.
            #expect(ids.contains { String(validating: tokenizer.tokenBytes($0), as: UTF8.self) == nil })
            let pieces = Self.stream(ids, tokenizer)
            #expect(pieces.joined() == text)
            for piece in pieces { #expect(!piece.contains("\u{FFFD}")) }
        }
    }

    @Test func emitsEachCharacterAsSoonAsItIsComplete() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        let bytes = try [0xF0, 0x9F, 0x98, 0x80].map { byte in try #require(byteToken(UInt8(byte), tokenizer)) }
        var detokenizer = IncrementalDetokenizer(tokenizer: tokenizer)
        #expect(detokenizer.append(bytes[0]).isEmpty)
        #expect(detokenizer.append(bytes[1]).isEmpty)
        #expect(detokenizer.append(bytes[2]).isEmpty)
        #expect(detokenizer.append(bytes[3]) == "😀")
        #expect(detokenizer.finish().isEmpty)
    }

    @Test func invalidBytesBecomeReplacementCharacters() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        let ids = try [0xE2, 0x82, 0x41, 0xC3].map { byte in try #require(byteToken(UInt8(byte), tokenizer)) }
        var detokenizer = IncrementalDetokenizer(tokenizer: tokenizer)
        var text = ""
        for id in ids { text += detokenizer.append(id) }
        #expect(text == "\u{FFFD}A")  // E2 82 cut short by "A"; C3 is held
        #expect(detokenizer.finish() == "\u{FFFD}")
        #expect(text + "\u{FFFD}" == tokenizer.decode(ids))
    }

    @Test func concatenationEqualsDecodeForArbitraryTokens() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        var generator = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let ids = (0..<Int.random(in: 1...40, using: &generator)).map { _ in
                // Bias toward low ids, where the single-byte tokens live.
                Bool.random(using: &generator)
                    ? Int.random(in: 0..<300, using: &generator) : Int.random(in: 0..<49152, using: &generator)
            }
            #expect(Self.stream(ids, tokenizer).joined() == tokenizer.decode(ids))
            #expect(Self.stream(ids, tokenizer, skipSpecial: true).joined() == tokenizer.decode(ids, skipSpecial: true))
        }
    }
}
