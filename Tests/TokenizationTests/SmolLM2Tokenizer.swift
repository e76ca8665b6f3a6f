import GGUF
import TestSupport
import Tokenization

/// The real SmolLM2 tokenizer, loaded once for all tests.
enum SmolLM2Tokenizer {
    static let shared: Result<Tokenizer, any Error> = Result {
        try Tokenizer(gguf: GGUFFile(path: SharedFixtures.modelPath))
    }

    static func load() throws -> Tokenizer { try shared.get() }
}
