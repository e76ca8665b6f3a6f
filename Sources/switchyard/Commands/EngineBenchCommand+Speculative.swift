import ArgumentParser
import Engine
import Foundation

extension EngineBenchCommand {
    /// `--speculative`: two engines on one shared pool (so they never compete for the cores), one
    /// plain and one speculative, each workload decoded by both in turn.
    func runSpeculative(path: String) async throws {
        let maximum = EngineConfiguration.maximumSpeculativeDraftTokens
        guard (1...maximum).contains(speculativeDraft) else {
            throw ValidationError("--speculative-draft must be between 1 and \(maximum)")
        }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
        let pool = SharedCompute(threadCount: threads)
        func engine(draft: Int) throws -> InferenceEngine {
            try InferenceEngine(modelPath: path, configuration: EngineConfiguration(
                contextLength: 4096, maxConcurrentSequences: 1, sharedCompute: pool, speculativeDraftTokens: draft))
        }
        let plain = try engine(draft: 0)
        defer { plain.shutdown() }
        let speculative = try engine(draft: speculativeDraft)
        defer { speculative.shutdown() }
        guard speculative.speculativeDraftTokens > 0 else {
            throw ValidationError("this model does not speculate: its matrices are not all block-quantized")
        }
        let results = try await SpeculativeDecodeBenchmark(repetitions: repetitions, sampled: sampled)
            .run(plain: plain, speculative: speculative)
        // Different outputs are a bug, not a speed figure: the exit status says so.
        let differ = results.contains { !$0.identical }
        if json {
            let data = try JSONEncoder().encode(results)
            print(String(decoding: data, as: UTF8.self))
            if differ { throw ExitCode(1) }
            return
        }
        let mode = sampled ? "T 0.8, top_p 0.95, seeded" : "greedy"
        print("engine-bench --speculative (\(pool.threadCount) threads, draft \(speculativeDraft), \(mode), \(repetitions) runs each)")
        for result in results {
            let acceptance = result.draftedTokens > 0 ? Double(result.acceptedTokens) / Double(result.draftedTokens) : 0
            let name = result.workload.padding(toLength: 15, withPad: " ", startingAt: 0)
            print("  \(name)" + String(format: "%4d tokens: plain %7.1f tok/s, speculative %7.1f tok/s, %.2fx; ",
                                       result.tokens, result.plainTokensPerSecond, result.speculativeTokensPerSecond,
                                       result.ratio)
                + "\(result.acceptedTokens)/\(result.draftedTokens) drafts accepted (\(String(format: "%.0f", 100 * acceptance))%) "
                + "in \(result.steps) passes; outputs \(result.identical ? "identical" : "DIFFER")")
        }
        if differ { throw ExitCode(1) }
    }
}
