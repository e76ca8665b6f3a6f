import ArgumentParser
import AsyncHTTPClient
import Engine
import Fleet
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import OpenAIWire
import Server
import ServiceLifecycle

/// `switchyard serve-bench`: the HTTP server's overhead against the engine alone, and
/// end-to-end throughput at several numbers of concurrent streams, in one run.
struct ServeBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-bench",
        abstract: "Measure the server's overhead over the engine and its throughput with concurrent streams (--gateway: over an upstream).",
        discussion: """
            Loads the model once, then measures in the same run: one generation on the engine \
            directly (the baseline), the same generation streamed through the HTTP server on \
            loopback (time to first token and tokens per second; the ratio is the server's \
            overhead), and N concurrent streamed chat completions for each --concurrency level \
            (tokens per second in all). Every completion is --max-tokens long (ignore_eos, greedy). \
            With --llama-server PATH, llama.cpp's llama-server is started on the same model file \
            (one slot per stream of the largest level, the same threads, flash attention on) and \
            measured the same way in the same run; without it the figures are llama-server's on \
            this machine kind (../shared/fixtures/smollm2/README.md, 128 tokens): 1 stream 73 tok/s, \
            4 concurrent 110 tok/s, 8 concurrent 141 tok/s. --sampled measures every level again at \
            temperature 0.8, top_p 0.95 (the sampler's cost): each level then runs greedy, sampled, sampled, \
            greedy and reports each mode's mean. An unmeasured run at the largest level comes first. \
            Build with -c release.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Tokens each completion generates.")
    var maxTokens = 128

    @Option(help: "Concurrent stream counts to measure, comma-separated.")
    var concurrency = "1,4,8"

    @Option(help: "Compute threads (default: one per core).")
    var threads: Int?

    @Option(help: "A llama-server binary (e.g. the AVX2 build of scripts/peers/llama-server.sh) to measure on the same model in the same run.")
    var llamaServer: String?

    @Flag(help: "Also measure every level at temperature 0.8, top_p 0.95.")
    var sampled = false

    @Option(help: "Also measure the largest level's inter-token latency while a prompt of about this many words (~1.3 tokens each) arrives, against the same streams alone.")
    var longPrompt: Int?

    @Flag(help: "Print one JSON object.")
    var json = false

    @OptionGroup var gatewayOptions: GatewayBenchOptions

    static let llamaServerOnThisKind: [Int: Double] = [1: 73, 4: 110, 8: 141]
    static let messages: JSONValue = [["role": "user", "content": "Write a long story about a lighthouse keeper and the sea."]]

    struct Measurement: Codable {
        var timeToFirstTokenMilliseconds: Double
        var tokensPerSecond: Double
        var tokens: Int
    }

    func run() async throws {
        if gatewayOptions.gateway { return try await runGateway() }
        guard !levels.isEmpty else { throw ValidationError("--concurrency needs positive counts, comma-separated, e.g. 1,8,16") }
        var logger = Logger(label: "switchyard.serve-bench")
        logger.logLevel = .warning
        let path = try await modelOptions.resolvePath(showProgress: !json)
        let backend = try EmbeddedBackend(
            modelPath: path, id: "bench",
            configuration: EngineConfiguration(
                contextLength: max(4096, (longPrompt ?? 0) * 2 + 256),
                maxConcurrentSequences: max(8, (levels.max() ?? 1) + (longPrompt == nil ? 0 : 1)), threadCount: threads),
            logger: logger)

        let engine = try await measureEngine(backend)
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = SwitchyardApplication.build(
            configuration: ServerConfiguration(port: 0, maxActive: max(8, (levels.max() ?? 1) + 1)),
            catalogue: ModelCatalogue([backend]), logger: logger, onListening: { portContinuation.yield($0) })
        let group = ServiceGroup(services: [application], logger: logger)
        let serverTask = Task { try await group.run() }
        defer { serverTask.cancel() }
        var ports = portStream.makeAsyncIterator()
        guard let port = await ports.next() else { throw ValidationError("the server did not start") }
        let url = "http://127.0.0.1:\(port)/v1/chat/completions"

        let ours = try await measureServer(url: url)
        // Wait for the server to close its connections: cancelling it mid-shutdown (the defer)
        // made Hummingbird log "Waiting on child channel: CancellationError()".
        await group.triggerGracefulShutdown()
        _ = try? await serverTask.value
        var peer: ServerLevels?
        if let llamaServer {
            guard let peerPort = PortProbe.freePort() else { throw BenchError("no free port for llama-server") }
            let server = try LlamaServerPeer.start(
                executable: llamaServer, model: path, port: peerPort, slots: (levels.max() ?? 1) + (longPrompt == nil ? 0 : 1),
                contextPerSlot: max(1024, maxTokens + 512, (longPrompt ?? 0) * 2 + 256), threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
            do {
                try await server.waitUntilReady()
                peer = try await measureServer(url: "http://127.0.0.1:\(peerPort)/v1/chat/completions")
                await server.stop()
            } catch {
                await server.stop()
                throw error
            }
        }
        report(engine: engine, ours: ours, peer: peer)
    }

    /// One server's figures: a single stream (after a warm-up that fills its prompt cache) and
    /// every concurrency level, greedy and (with --sampled) sampled.
    struct ServerLevels {
        var single: Measurement
        var greedy: [(streams: Int, tokensPerSecond: Double)]
        var sampled: [(streams: Int, tokensPerSecond: Double)]
        var interference: InterTokenLatency?
    }

    func measureServer(url: String) async throws -> ServerLevels {
        _ = try await streamOnce(url: url)  // warm-up: connection and prompt cache
        let single = try await streamOnce(url: url)
        // Warm-up at the largest level: every slot's cache pages touched once, so the first
        // measured levels do not pay for it (they used to read low against the later ones).
        _ = try await measureLevel(url: url, streams: levels.max() ?? 1, sampled: false)
        let (greedy, sampled) = try await measureLevels(url: url)
        var interference: InterTokenLatency?
        if let longPrompt {
            interference = try await measureInterference(url: url, streams: levels.max() ?? 1, promptWords: longPrompt)
        }
        return ServerLevels(single: single, greedy: greedy, sampled: sampled, interference: interference)
    }

    /// Every level greedy and, with --sampled, at temperature 0.8 / top_p 0.95. With both, each
    /// level runs greedy, sampled, sampled, greedy back to back and reports each mode's mean, so a
    /// drift of the machine's speed over the level (this VM swings 20-35 %) weighs on both alike.
    func measureLevels(url: String) async throws -> (greedy: [(streams: Int, tokensPerSecond: Double)],
                                                      sampled: [(streams: Int, tokensPerSecond: Double)]) {
        var greedy: [(streams: Int, tokensPerSecond: Double)] = []
        var sampled: [(streams: Int, tokensPerSecond: Double)] = []
        for level in levels {
            guard self.sampled else {
                greedy.append((level, try await measureLevel(url: url, streams: level, sampled: false)))
                continue
            }
            var rates: [Bool: Double] = [:]
            for mode in [false, true, true, false] {
                rates[mode, default: 0] += try await measureLevel(url: url, streams: level, sampled: mode) / 2
            }
            greedy.append((level, rates[false] ?? 0))
            sampled.append((level, rates[true] ?? 0))
        }
        return (greedy, sampled)
    }

    /// `streams` concurrent completions: tokens in all per second of the whole batch.
    func measureLevel(url: String, streams: Int, sampled: Bool) async throws -> Double {
        let start = ContinuousClock.now
        let tokens = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<streams { group.addTask { try await streamOnce(url: url, sampled: sampled).tokens } }
            return try await group.reduce(0, +)
        }
        return Double(tokens) / (ContinuousClock.now - start).inSeconds
    }

    /// The counts of `--concurrency`; empty when any is not a positive number.
    var levels: [Int] {
        BenchCommand.levels(concurrency) ?? []
    }

    func report(engine: Measurement, ours: ServerLevels, peer: ServerLevels?) {
        let overhead = engine.tokensPerSecond / ours.single.tokensPerSecond
        // llama-server's rate at a level: measured in this run, else its figure on this machine kind.
        func peerRate(_ level: Int) -> Double? {
            peer.map { $0.greedy.first { $0.streams == level }?.tokensPerSecond } ?? Self.llamaServerOnThisKind[level]
        }
        func sampledRate(_ levels: ServerLevels?, _ level: Int) -> Double? {
            levels?.sampled.first { $0.streams == level }?.tokensPerSecond
        }
        if json {
            var object: [String: Any] = [
                "max_tokens": maxTokens,
                "engine": ["ttft_ms": engine.timeToFirstTokenMilliseconds, "tokens_per_second": engine.tokensPerSecond],
                "http_single_stream": ["ttft_ms": ours.single.timeToFirstTokenMilliseconds, "tokens_per_second": ours.single.tokensPerSecond],
                "engine_to_http_ratio": overhead,
                "llama_server_measured": peer != nil,
            ]
            if let peer {
                object["llama_server_single_stream"] = [
                    "ttft_ms": peer.single.timeToFirstTokenMilliseconds, "tokens_per_second": peer.single.tokensPerSecond,
                ]
            }
            object["concurrent"] = ours.greedy.map { level, rate in
                [
                    "streams": level, "tokens_per_second": rate, "llama_server_tokens_per_second": peerRate(level) as Any,
                    "sampled_tokens_per_second": sampledRate(ours, level) as Any,
                    "llama_server_sampled_tokens_per_second": sampledRate(peer, level) as Any,
                ]
            }
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            for (key, latency) in [("inter_token_latency", ours.interference), ("llama_server_inter_token_latency", peer?.interference)] {
                if let latency, let data = try? encoder.encode(latency) { object[key] = try? JSONSerialization.jsonObject(with: data) }
            }
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
                print(String(decoding: data, as: UTF8.self))
            }
            return
        }
        func format(_ value: Double) -> String { String(format: "%7.1f", value) }
        func ratio(_ value: Double) -> String { String(format: "%.2fx", value) }
        print("serve-bench (\(maxTokens) tokens per completion, greedy, ignore_eos)")
        print("  engine alone      TTFT \(format(engine.timeToFirstTokenMilliseconds)) ms  \(format(engine.tokensPerSecond)) tok/s")
        print("  through HTTP      TTFT \(format(ours.single.timeToFirstTokenMilliseconds)) ms  \(format(ours.single.tokensPerSecond)) tok/s  (engine/HTTP \(String(format: "%.3f", overhead))x)")
        if let peer {
            print("  llama-server      TTFT \(format(peer.single.timeToFirstTokenMilliseconds)) ms  \(format(peer.single.tokensPerSecond)) tok/s  (measured in this run)")
        }
        let single = ours.greedy.first { $0.streams == 1 }?.tokensPerSecond
        for (level, rate) in ours.greedy {
            var line = "  \(level) concurrent streams: \(format(rate)) tok/s in all"
            if let single, level > 1 { line += " (\(ratio(rate / single)) one stream)" }
            if let reference = peerRate(level) {
                line += "; llama-server \(format(reference))\(peer == nil ? " (this kind's figure)" : ""): \(ratio(rate / reference))"
            }
            if let sampled = sampledRate(ours, level) {
                line += "; T 0.8 top_p 0.95 \(format(sampled)) (\(ratio(sampled / rate)) greedy)"
                if let peerSampled = sampledRate(peer, level) { line += ", llama-server \(format(peerSampled))" }
            }
            print(line)
        }
        for (name, latency) in [("Switchyard", ours.interference), ("llama-server", peer?.interference)] {
            guard let latency else { continue }
            func ms(_ value: Double) -> String { String(format: "%.1f", value) }
            print("  \(name): \(latency.streams) streams' inter-token latency p50/p99/max \(ms(latency.aloneP50Milliseconds))/\(ms(latency.aloneP99Milliseconds))/\(ms(latency.aloneMaxMilliseconds)) ms alone, \(ms(latency.withPromptP50Milliseconds))/\(ms(latency.withPromptP99Milliseconds))/\(ms(latency.withPromptMaxMilliseconds)) ms while a \(latency.promptTokens)-token prompt arrives (its first token after \(ms(latency.promptTimeToFirstTokenMilliseconds)) ms)")
        }
    }

    /// One greedy generation on the engine directly, with the server's own prompt.
    func measureEngine(_ backend: EmbeddedBackend) async throws -> Measurement {
        let prompt = try backend.renderChat(messages: Self.messages, tools: nil, addGenerationPrompt: true)
        let request = GenerationRequest(
            promptTokens: try backend.tokenize(prompt, addSpecialTokens: true), sampling: .greedy, maxTokens: maxTokens,
            ignoreEOS: true)
        for _ in 0..<2 {  // the first run warms the caches, as the HTTP warm-up does
            _ = try await timeEngine(backend, request)
        }
        return try await timeEngine(backend, request)
    }

    func timeEngine(_ backend: EmbeddedBackend, _ request: GenerationRequest) async throws -> Measurement {
        let start = ContinuousClock.now
        var first: Duration?
        var tokens = 0
        for try await event in backend.generate(request) {
            if case .token = event {
                tokens += 1
                if first == nil { first = ContinuousClock.now - start }
            }
        }
        let total = (ContinuousClock.now - start).inSeconds
        return Measurement(
            timeToFirstTokenMilliseconds: (first?.inSeconds ?? total) * 1000, tokensPerSecond: Double(tokens) / total, tokens: tokens)
    }

    /// One streamed chat completion over HTTP (greedy, or at temperature 0.8 / top_p 0.95): time to the
    /// first content chunk, and tokens (from the usage chunk) per second.
    func streamOnce(url: String, sampled: Bool = false) async throws -> Measurement {
        let stream = try await timedStream(url: url, messages: Self.messages, maxTokens: maxTokens, sampled: sampled)
        let total = (stream.end - stream.start).inSeconds
        let first = stream.arrivals.first.map { ($0 - stream.start).inSeconds } ?? total
        return Measurement(
            timeToFirstTokenMilliseconds: first * 1000, tokensPerSecond: Double(stream.completionTokens) / total,
            tokens: stream.completionTokens)
    }
}
