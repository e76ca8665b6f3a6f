import Foundation
import GGUF
import TestSupport
import Testing
import Tokenization

/// The tokenizers of the generated test models (scripts/testmodels: qwen2 and llama-bpe byte-level BPE,
/// Mistral's and Phi-3's SentencePiece layouts, each family's special tokens) against llama-server's
/// `/tokenize` and `/detokenize`, id for id. Skipped when scripts/testmodels/make.sh has not made the
/// models, except under CI=true.
@Suite(.enabled(if: GeneratedModels.runsOrRequired, "the generated models are not made (scripts/testmodels/make.sh)"))
struct GeneratedModelTokenizerTests {
    /// The families whose tokenizer passes; each is read from its F32 file (`<family>.F32.gguf`). phi3
    /// includes llama.cpp's whitespace stripping after Phi-3's special tokens (`<|user|>\n` → `<|user|>`:
    /// RSTRIP on every special token but <unk>, <s>, <|endoftext|>, for files whose `general.name`
    /// contains "phi3" or "phi-3", llama-vocab.cpp).
    static let families = ["qwen2", "qwen3", "llama3", "mistral", "phi3"]

    static func tokenizer(_ family: String) throws -> Tokenizer {
        let path = GeneratedModels.path(of: "\(family).F32.gguf")
        try #require(FileManager.default.fileExists(atPath: path), "\(path) is missing: run scripts/testmodels/make.sh")
        return try Tokenizer(gguf: GGUFFile(path: path))
    }

    @Test(arguments: families)
    func fixturesTokenizeAndDecodeAsLlamaCpp(_ family: String) throws {
        let tokenizer = try Self.tokenizer(family)
        let entries = try #require(try GeneratedModels.json("tokenizer-\(family).json") as? [[String: Any]])
        #expect(entries.count > 25)
        for entry in entries {
            let text = try #require(entry["text"] as? String)
            let special = try #require(entry["tokens_parse_special"] as? [Int])
            let plain = try #require(entry["tokens_plain"] as? [Int])
            let label = "\(family) \(String(text.prefix(40)).debugDescription)"
            #expect(tokenizer.encode(text, parseSpecial: true) == special, "\(label)")
            #expect(tokenizer.encode(text, parseSpecial: false) == plain, "\(label)")
            if let decoded = entry["detokenized_parse_special"] as? String {
                #expect(tokenizer.decode(special) == decoded, "\(label) decoded")
            }
            if let decoded = entry["detokenized_plain"] as? String {
                #expect(tokenizer.decode(plain) == decoded, "\(label) decoded")
            }
        }
    }

    @Test(arguments: families)
    func bosIsAddedAsLlamaCppDoes(_ family: String) throws {
        let tokenizer = try Self.tokenizer(family)
        let entries = try #require(try GeneratedModels.json("tokenizer_with_bos-\(family).json") as? [[String: Any]])
        #expect(!entries.isEmpty)
        for entry in entries {
            let text = try #require(entry["text"] as? String)
            let expected = try #require(entry["tokens_with_bos"] as? [Int])
            let bos = tokenizer.addsBOS ? tokenizer.bosTokenID.map { [$0] } ?? [] : []
            #expect(bos + tokenizer.encode(text, parseSpecial: true) == expected, "\(family) \(text.debugDescription)")
        }
    }

    /// The teacher-forcing prompts tokenize as llama-server tokenized them (`add_special`, `parse_special`).
    @Test(arguments: families)
    func referencePromptsTokenizeExactly(_ family: String) throws {
        let tokenizer = try Self.tokenizer(family)
        let reference = try #require(try GeneratedModels.references().first { $0.family == family })
        let prompts = try #require(try GeneratedModels.json(reference.referenceFile) as? [[String: Any]])
        for entry in prompts {
            let prompt = try #require(entry["prompt"] as? String)
            let expected = try #require(entry["prompt_tokens"] as? [Int])
            let bos = tokenizer.addsBOS ? tokenizer.bosTokenID.map { [$0] } ?? [] : []
            #expect(bos + tokenizer.encode(prompt, parseSpecial: true) == expected, "\(family) \(prompt.debugDescription)")
        }
    }
}
