import Foundation
import GGUF
import TestSupport
import Testing
import Tokenization

/// Random mixed-script strings (digits, spaces, contractions, emoji, combining marks,
/// special-token text) compared with Hugging Face `tokenizers` configured as SmolLM2: an
/// independent implementation (see Tests/Fixtures/tokenizer/make_hf_random.py).
@Suite struct IndependentReferenceTests {
    static func check(_ tokenizer: Tokenizer, against fixture: String, minimumCount: Int) throws {
        let url = SharedFixtures.packageRoot.appendingPathComponent("Tests/Fixtures/tokenizer/\(fixture)")
        let cases = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[String: Any]])
        #expect(cases.count >= minimumCount)
        for entry in cases {
            let text = try #require(entry["text"] as? String)
            let expected = try #require(entry["ids"] as? [Int])
            #expect(tokenizer.encode(text) == expected, "\(text.debugDescription)")
            #expect(tokenizer.decode(expected) == text)
        }
    }

    @Test func randomStringsMatchHuggingFaceTokenizers() throws {
        try Self.check(SmolLM2Tokenizer.load(), against: "hf_random_smollm2.json", minimumCount: 400)
    }

    /// SmolLM2's vocabulary and merges re-labelled with another `tokenizer.ggml.pre`.
    static func smolLM2Vocabulary(preTokenizer: String) throws -> Tokenizer {
        let metadata = try GGUFFile(path: SharedFixtures.modelPath).metadata
        let path = try TinyGGUF.write([
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string(preTokenizer)),
            ("tokenizer.ggml.tokens", .strings(metadata.stringArray("tokenizer.ggml.tokens"))),
            ("tokenizer.ggml.token_type", .ints(metadata.intArray("tokenizer.ggml.token_type").map { Int32($0) })),
            ("tokenizer.ggml.merges", .strings(metadata.stringArray("tokenizer.ggml.merges"))),
        ])
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try Tokenizer(gguf: GGUFFile(path: path))
    }

    /// The plain GPT-2 pre-tokenizer (`gpt-2`) at full scale. SmolLM2's merges never join
    /// digits, so the digit handling that tells pre-tokenizers apart is checked in `LoadingTests`.
    @Test func plainGPT2PreTokenizerMatchesHuggingFaceTokenizers() throws {
        try Self.check(Self.smolLM2Vocabulary(preTokenizer: "gpt-2"), against: "hf_random_gpt2.json", minimumCount: 200)
    }

    /// The Llama 3 regex (with `ignore_merges`) and Qwen 2's variant of it; with SmolLM2's
    /// vocabulary, where digits never merge, Hugging Face gives both the same ids.
    @Test(arguments: ["llama-bpe", "qwen2"])
    func llama3StylePreTokenizersMatchHuggingFaceTokenizers(name: String) throws {
        try Self.check(Self.smolLM2Vocabulary(preTokenizer: name), against: "hf_random_llama3.json", minimumCount: 250)
    }
}
