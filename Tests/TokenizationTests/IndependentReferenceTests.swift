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

    /// The same vocabulary and merges under the plain GPT-2 pre-tokenizer (`gpt-2`). SmolLM2's
    /// merges never join digits, so this checks the GPT-2 word splitting at full scale; the
    /// digit handling that tells the pre-tokenizers apart is checked in `LoadingTests`.
    @Test func plainGPT2PreTokenizerMatchesHuggingFaceTokenizers() throws {
        let metadata = try GGUFFile(path: SharedFixtures.modelPath).metadata
        let path = try TinyGGUF.write([
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string("gpt-2")),
            ("tokenizer.ggml.tokens", .strings(metadata.stringArray("tokenizer.ggml.tokens"))),
            ("tokenizer.ggml.token_type", .ints(metadata.intArray("tokenizer.ggml.token_type").map { Int32($0) })),
            ("tokenizer.ggml.merges", .strings(metadata.stringArray("tokenizer.ggml.merges"))),
        ])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tokenizer = try Tokenizer(gguf: GGUFFile(path: path))
        try Self.check(tokenizer, against: "hf_random_gpt2.json", minimumCount: 200)
    }
}
