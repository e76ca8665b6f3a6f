import Foundation
import GGUF
import TestSupport
import Testing
import Tokenization

/// The real Gemma 3 tokenizer (SentencePiece, 262,144 tokens), loaded once for all tests.
enum Gemma3Tokenizer {
    static let shared: Result<Tokenizer, any Error> = Result {
        try Tokenizer(gguf: GGUFFile(path: SharedFixtures.gemma3ModelPath))
    }

    static func load() throws -> Tokenizer { try shared.get() }
}

/// llama.cpp's own tokenizations of the Gemma 3 fixtures (llama-server `/tokenize`),
/// reproduced id for id. Skipped when the model file has not been pulled.
@Suite(.enabled(if: SharedFixtures.gemma3Available, "gemma3-270m is not pulled"))
struct Gemma3FixtureTests {
    @Test func everyFixtureTokenizesAndDecodesExactly() throws {
        let tokenizer = try Gemma3Tokenizer.load()
        let entries = try #require(SharedFixtures.gemma3JSON("tokenizer.json") as? [[String: Any]])
        #expect(entries.count > 30)
        for entry in entries {
            let text = try #require(entry["text"] as? String)
            let special = try #require(entry["tokens_parse_special"] as? [Int])
            let plain = try #require(entry["tokens_plain"] as? [Int])
            let label = String(text.prefix(40)).debugDescription
            #expect(tokenizer.encode(text, parseSpecial: true) == special, "\(label)")
            #expect(tokenizer.encode(text, parseSpecial: false) == plain, "\(label)")
            // Decoding turns every `▁` into a space, a literal `▁` in the input included (as llama.cpp).
            let decoded = text.replacingOccurrences(of: "\u{2581}", with: " ")
            #expect(tokenizer.decode(plain) == decoded, "\(label)")
            #expect(tokenizer.decode(special) == decoded, "\(label)")
        }
    }

    @Test func bosIsPrependedAsLlamaCppDoes() throws {
        let tokenizer = try Gemma3Tokenizer.load()
        #expect(tokenizer.addsBOS)
        #expect(tokenizer.bosTokenID == 2)
        let entries = try #require(SharedFixtures.gemma3JSON("tokenizer_with_bos.json") as? [[String: Any]])
        #expect(!entries.isEmpty)
        for entry in entries {
            let text = try #require(entry["text"] as? String)
            let expected = try #require(entry["tokens_with_bos"] as? [Int])
            #expect([2] + tokenizer.encode(text, parseSpecial: true) == expected, "\(text.debugDescription)")
        }
    }

    @Test func referencePromptsTokenizeExactly() throws {
        let tokenizer = try Gemma3Tokenizer.load()
        let references = try #require(SharedFixtures.gemma3JSON("reference_greedy.json") as? [[String: Any]])
        for reference in references {
            let prompt = try #require(reference["prompt"] as? String)
            let expected = try #require(reference["prompt_tokens"] as? [Int])
            #expect([2] + tokenizer.encode(prompt, parseSpecial: true) == expected)
        }
    }

    @Test func endOfGenerationTokensAreEosAndEndOfTurn() throws {
        let tokenizer = try Gemma3Tokenizer.load()
        #expect(tokenizer.endOfGenerationTokenIDs.isSuperset(of: [1, 106]))
        #expect(tokenizer.tokenID(forPiece: "<start_of_turn>") == 105)
    }

    /// Byte tokens of one character split across steps come out whole, and only once complete.
    @Test func incrementalDetokenizerJoinsByteTokens() throws {
        let tokenizer = try Gemma3Tokenizer.load()
        let text = "naïve 🦙 façade \u{1F9EA}"
        let ids = tokenizer.encode(text, parseSpecial: false)
        var detokenizer = IncrementalDetokenizer(tokenizer: tokenizer)
        var pieces: [String] = []
        for id in ids { pieces.append(detokenizer.append(id)) }
        pieces.append(detokenizer.finish())
        #expect(pieces.joined() == text)
        #expect(!pieces.contains { $0.contains("\u{FFFD}") })
        // Bytes of an unknown-to-the-vocabulary character arrive as <0xXX> tokens.
        let bytes = (0..<4).compactMap { tokenizer.tokenID(forPiece: String(format: "<0x%02X>", Array("🦙".utf8)[$0])) }
        #expect(bytes.count == 4)
        var split = IncrementalDetokenizer(tokenizer: tokenizer)
        #expect(split.append(bytes[0]) == "" && split.append(bytes[1]) == "" && split.append(bytes[2]) == "")
        #expect(split.append(bytes[3]) == "🦙")
    }
}
