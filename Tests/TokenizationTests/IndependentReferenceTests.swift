import Foundation
import TestSupport
import Testing
import Tokenization

/// Random mixed-script strings (digits, spaces, contractions, emoji, combining marks,
/// special-token text) compared with Hugging Face `tokenizers` configured as SmolLM2: an
/// independent implementation (see Tests/Fixtures/tokenizer/make_hf_random.py).
@Suite struct IndependentReferenceTests {
    @Test func randomStringsMatchHuggingFaceTokenizers() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        let url = SharedFixtures.packageRoot.appendingPathComponent("Tests/Fixtures/tokenizer/hf_random_smollm2.json")
        let cases = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[String: Any]])
        #expect(cases.count >= 400)
        for entry in cases {
            let text = try #require(entry["text"] as? String)
            let expected = try #require(entry["ids"] as? [Int])
            #expect(tokenizer.encode(text) == expected, "\(text.debugDescription)")
            #expect(tokenizer.decode(expected) == text)
        }
    }
}
