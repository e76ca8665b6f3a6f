import ArgumentParser
import Engine
import Foundation

/// `switchyard engine-bench`: the engine alone, prompt processing and decode, as ratios to
/// llama.cpp (measured in the same run with `--llama-bench`, else the fixtures' figures).
struct EngineBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine-bench",
        abstract: "Measure the embedded engine's prompt and decode speed against llama.cpp.",
        discussion: """
            Runs a \(512)-token prompt and \(128) decoded tokens (like llama-bench's pp512 and tg128) \
            and prints tokens per second, peak resident memory, and ratios to llama.cpp: to a \
            llama-bench binary run in the same process with --llama-bench PATH, else to the \
            figures measured on this machine kind in ../shared/fixtures/<model>/README.md \
            (SmolLM2: pp512 267 tok/s, tg128 107 tok/s; Gemma 3 270M: pp512 429, tg128 52; 2 threads). \
            Build with -c release.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .customLong("prompt-tokens")) var promptTokens = 512
    @Option(name: .customLong("decode-tokens")) var decodeTokens = 128
    @Option(help: "Threads (default: every core).") var threads: Int?
    @Option(name: .customLong("llama-bench"), help: "Path of a llama-bench binary to run as the baseline.")
    var llamaBench: String?
    @Option(help: """
        Instead of pp/tg: concurrent greedy streams of --decode-tokens each, comma-separated counts \
        (e.g. 1,16); prints each level's aggregate decode rate and step time, the engine alone.
        """)
    var concurrency: String?
    @Flag(help: "With --concurrency: also every level at temperature 0.8, top_p 0.95 (greedy, sampled, sampled, greedy; each mode's mean). With --speculative: sample at those settings (seeded) instead of greedy.")
    var sampled = false
    @Flag(help: """
        Instead of pp/tg: prompt-lookup speculative decoding against plain decoding, one stream, in the same \
        run: a code edit, a quoting answer and free text, decoded by an engine without and one with \
        speculation; prints both rates, the ratio and whether the outputs were identical.
        """)
    var speculative = false
    @Option(name: .customLong("speculative-draft"), help: "With --speculative: draft tokens a step verifies at most.")
    var speculativeDraft = EngineConfiguration.maximumSpeculativeDraftTokens
    @Option(help: "With --speculative: timed runs of each workload per engine.") var repetitions = 3
    @Flag(help: "Print one JSON object.") var json = false

    /// llama.cpp on this machine kind with 2 threads (fixtures READMEs), by architecture.
    static func fixtureBaseline(architecture: String) -> (prefill: Double, decode: Double) {
        architecture == "gemma3" ? (prefill: 429.0, decode: 52.0) : (prefill: 267.0, decode: 107.0)
    }

    func run() async throws {
        let path = try await modelOptions.resolvePath(showProgress: !json)
        if let concurrency { return try await runConcurrency(concurrency, path: path) }
        if speculative { return try await runSpeculative(path: path) }
        let engine = try InferenceEngine(modelPath: path, configuration: EngineConfiguration(
            contextLength: 4096, maxConcurrentSequences: 1, threadCount: threads,
            prefillChunkTokens: promptTokens))
        let result = try await EngineBenchmark(promptTokens: promptTokens, decodeTokens: decodeTokens).run(on: engine)
        engine.shutdown()
        // Measured with the engine stopped, before llama-bench runs: the machine is otherwise idle.
        let ceiling = try DecodeMemoryCeiling.measure(modelPath: path, threads: result.threads)

        var baseline = Self.fixtureBaseline(architecture: engine.modelInfo.architecture)
        var baselineSource = "fixtures README (llama-bench -t 2 on this machine kind)"
        if let llamaBench {
            baseline = try LlamaBenchRunner(binary: llamaBench).run(
                model: path, threads: result.threads, promptTokens: promptTokens, decodeTokens: decodeTokens)
            baselineSource = "llama-bench run now (\(llamaBench))"
        }
        let prefillRatio = result.prefillTokensPerSecond / baseline.prefill
        let decodeRatio = result.decodeTokensPerSecond / baseline.decode
        if json {
            var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(result)) as? [String: Any] ?? [:]
            object["baseline"] = ["source": baselineSource, "prefill_tokens_per_second": baseline.prefill,
                                  "decode_tokens_per_second": baseline.decode]
            object["prefill_ratio"] = prefillRatio
            object["decode_ratio"] = decodeRatio
            object["decode_memory_ceiling"] = [
                "bytes_per_token": ceiling.bytesPerToken, "read_bytes_per_second": ceiling.readBytesPerSecond,
                "tokens_per_second": ceiling.tokensPerSecond]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("""
                engine-bench (\(result.threads) threads)
                  prompt processing pp\(promptTokens): \(String(format: "%7.1f", result.prefillTokensPerSecond)) tok/s  \
                (\(String(format: "%.2f", prefillRatio))x llama.cpp \(String(format: "%.0f", baseline.prefill)))
                  decode tg\(decodeTokens):            \(String(format: "%7.1f", result.decodeTokensPerSecond)) tok/s  \
                (\(String(format: "%.2f", decodeRatio))x llama.cpp \(String(format: "%.0f", baseline.decode)))
                  decode with a JSON schema:  \(String(format: "%7.1f", result.constrainedDecodeTokensPerSecond)) tok/s  \
                (\(String(format: "%.2f", result.constrainedDecodeTokensPerSecond / result.decodeTokensPerSecond))x unconstrained; \
                first request with the schema \(String(format: "%.1f", result.firstConstrainedDecodeTokensPerSecond)) tok/s, \
                \(String(format: "%.2f", result.firstConstrainedDecodeTokensPerSecond / result.decodeTokensPerSecond))x)
                  decode at T 0.8, top_p 0.95: \(String(format: "%6.1f", result.sampledDecodeTokensPerSecond)) tok/s  \
                (\(String(format: "%.2f", result.sampledDecodeTokensPerSecond / result.decodeTokensPerSecond))x greedy)
                  decode memory ceiling:    \(String(format: "%7.1f", ceiling.tokensPerSecond)) tok/s  \
                (\(ceiling.bytesPerToken >> 20) MiB of weights a token at \(String(format: "%.1f", ceiling.readBytesPerSecond / 1e9)) GB/s \
                read by \(result.threads) threads; engine \(String(format: "%.0f", 100 * result.decodeTokensPerSecond / ceiling.tokensPerSecond))%, \
                llama.cpp \(String(format: "%.0f", 100 * baseline.decode / ceiling.tokensPerSecond))%)
                  peak resident memory:     \(result.peakRSSBytes >> 20) MiB
                  baseline: \(baselineSource)
                """)
        }
    }
}

extension EngineBenchCommand {
    /// `--concurrency`: every level on one engine (slots for the largest), one stream first as the
    /// same-run anchor for the ratios.
    func runConcurrency(_ list: String, path: String) async throws {
        // The kit's parser: an entry that is not a positive count makes the whole list invalid.
        guard let levels = BenchCommand.levels(list), !levels.isEmpty, levels.allSatisfy({ $0 <= 256 }) else {
            throw ValidationError("--concurrency must be stream counts from 1 to 256 separated by commas")
        }
        guard decodeTokens >= 2 else { throw ValidationError("--decode-tokens must be at least 2") }
        let engine = try InferenceEngine(modelPath: path, configuration: EngineConfiguration(
            contextLength: 4096, maxConcurrentSequences: levels.max() ?? 1, threadCount: threads))
        defer { engine.shutdown() }
        // Warm-up at the largest level: every slot's cache pages touched once before anything is timed.
        _ = try await ConcurrentDecodeBenchmark(streams: levels.max() ?? 1, decodeTokens: 16).run(on: engine)
        var greedy: [ConcurrentDecodeBenchmark.Result] = []
        var sampledResults: [ConcurrentDecodeBenchmark.Result] = []
        for level in levels {
            guard sampled else {
                greedy.append(try await ConcurrentDecodeBenchmark(streams: level, decodeTokens: decodeTokens).run(on: engine))
                continue
            }
            // Greedy, sampled, sampled, greedy: a drift of the machine's speed weighs on both modes alike.
            var runs: [Bool: [ConcurrentDecodeBenchmark.Result]] = [:]
            for mode in [false, true, true, false] {
                runs[mode, default: []].append(try await ConcurrentDecodeBenchmark(
                    streams: level, decodeTokens: decodeTokens, sampled: mode).run(on: engine))
            }
            if let pair = runs[false] { greedy.append(.mean(of: pair)) }
            if let pair = runs[true] { sampledResults.append(.mean(of: pair)) }
        }
        if json {
            let data = try JSONEncoder().encode(["greedy": greedy, "sampled": sampledResults])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let single = greedy.first { $0.streams == 1 }?.decodeTokensPerSecond
        print("engine-bench --concurrency (\(engine.threadCount) threads, \(decodeTokens) tokens a stream)")
        for (index, result) in greedy.enumerated() {
            let ratio = single.map { String(format: " (%.2fx one stream)", result.decodeTokensPerSecond / $0) } ?? ""
            var line = String(format: "  %3d streams: greedy %7.1f tok/s in all, %6.2f ms a step", result.streams,
                              result.decodeTokensPerSecond, result.stepMilliseconds) + ratio
            if index < sampledResults.count {
                let draw = sampledResults[index]
                line += String(format: "; T 0.8 top_p 0.95 %7.1f tok/s (%.2fx greedy)", draw.decodeTokensPerSecond,
                               draw.decodeTokensPerSecond / result.decodeTokensPerSecond)
            }
            print(line)
        }
    }
}

/// Runs llama.cpp's `llama-bench` and reads its JSON output.
struct LlamaBenchRunner {
    let binary: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func run(model: String, threads: Int, promptTokens: Int, decodeTokens: Int) throws -> (prefill: Double, decode: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-m", model, "-t", String(threads), "-p", String(promptTokens), "-n", String(decodeTokens),
                             "-r", "3", "-o", "json"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw Failure(description: "cannot run \(binary): \(error)") }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let rows = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        else { throw Failure(description: "llama-bench failed (status \(process.terminationStatus))") }
        var prefill = 0.0, decode = 0.0
        for row in rows {
            let speed = row["avg_ts"] as? Double ?? 0
            if (row["n_prompt"] as? Int ?? 0) > 0 { prefill = speed } else if (row["n_gen"] as? Int ?? 0) > 0 { decode = speed }
        }
        guard prefill > 0, decode > 0 else { throw Failure(description: "llama-bench printed no pp/tg rows") }
        return (prefill, decode)
    }
}
