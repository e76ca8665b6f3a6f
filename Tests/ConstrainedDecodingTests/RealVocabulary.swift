import ConstrainedDecoding
import Foundation
import GGUF
import TestSupport

/// The SmolLM2 vocabulary from the real model file, loaded once for all tests.
enum RealVocabulary {
    static var isAvailable: Bool { FileManager.default.fileExists(atPath: SharedFixtures.modelPath) }

    static let shared: TokenVocabulary? = {
        guard let file = try? GGUFFile(path: SharedFixtures.modelPath),
              let tokens = try? file.metadata.stringArray("tokenizer.ggml.tokens")
        else { return nil }
        let types = try? file.metadata.intArray("tokenizer.ggml.token_type")
        var endTokens: Set<Int> = []
        if let eos = try? file.metadata.int("tokenizer.ggml.eos_token_id") { endTokens.insert(eos) }
        return TokenVocabulary(gpt2Tokens: tokens, tokenTypes: types, endOfGenerationTokenIDs: endTokens)
    }()
}

/// Nearest-rank percentile of `values` (sorted here), `fraction` in 0...1.
func percentile(_ values: [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let rank = min(sorted.count - 1, max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[rank]
}

/// CPU time of the calling thread in milliseconds: timings stay meaningful on a loaded
/// machine, where wall-clock time mostly measures waiting for a core.
func threadCPUMilliseconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1e3 + Double(time.tv_nsec) / 1e6
}
