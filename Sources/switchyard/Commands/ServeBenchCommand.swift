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
            llama-server's figures on this machine kind (../shared/fixtures/smollm2/README.md, \
            128 tokens): 1 stream 73 tok/s, 4 concurrent 110 tok/s, 8 concurrent 141 tok/s. \
            Build with -c release.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Tokens each completion generates.")
    var maxTokens = 128

    @Option(help: "Concurrent stream counts to measure, comma-separated.")
    var concurrency = "1,4,8"

    @Option(help: "Compute threads (default: one per core).")
    var threads: Int?

    @Flag(help: "Print one JSON object.")
    var json = false

    @OptionGroup var gatewayOptions: GatewayBenchOptions

    static let llamaServer: [Int: Double] = [1: 73, 4: 110, 8: 141]
    static let messages: JSONValue = [["role": "user", "content": "Write a long story about a lighthouse keeper and the sea."]]

    struct Measurement: Codable {
        var timeToFirstTokenMilliseconds: Double
        var tokensPerSecond: Double
        var tokens: Int
    }

    func run() async throws {
        if gatewayOptions.gateway { return try await runGateway() }
        let levels = concurrency.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
        guard !levels.isEmpty else { throw ValidationError("--concurrency needs at least one positive count") }
        var logger = Logger(label: "switchyard.serve-bench")
        logger.logLevel = .warning
        let path = try await modelOptions.resolvePath(showProgress: !json)
        let backend = try EmbeddedBackend(
            modelPath: path, id: "bench",
            configuration: EngineConfiguration(
                contextLength: 4096, maxConcurrentSequences: max(8, levels.max() ?? 1), threadCount: threads),
            logger: logger)

        let engine = try await measureEngine(backend)
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = SwitchyardApplication.build(
            configuration: ServerConfiguration(port: 0, maxActive: max(8, levels.max() ?? 1)),
            catalogue: ModelCatalogue([backend]), logger: logger, onListening: { portContinuation.yield($0) })
        let group = ServiceGroup(services: [application], logger: logger)
        let serverTask = Task { try await group.run() }
        defer { serverTask.cancel() }
        var ports = portStream.makeAsyncIterator()
        guard let port = await ports.next() else { throw ValidationError("the server did not start") }
        let url = "http://127.0.0.1:\(port)/v1/chat/completions"

        _ = try await streamOnce(url: url)  // warm-up: connection and prompt cache
        let single = try await streamOnce(url: url)
        var levelResults: [(Int, Double)] = []
        for level in levels {
            let start = ContinuousClock.now
            let tokens = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<level { group.addTask { try await streamOnce(url: url).tokens } }
                return try await group.reduce(0, +)
            }
            levelResults.append((level, Double(tokens) / (ContinuousClock.now - start).inSeconds))
        }
        await group.triggerGracefulShutdown()
        report(engine: engine, http: single, levels: levelResults)
    }

    func report(engine: Measurement, http: Measurement, levels: [(Int, Double)]) {
        let overhead = engine.tokensPerSecond / http.tokensPerSecond
        if json {
            var object: [String: Any] = [
                "max_tokens": maxTokens,
                "engine": ["ttft_ms": engine.timeToFirstTokenMilliseconds, "tokens_per_second": engine.tokensPerSecond],
                "http_single_stream": ["ttft_ms": http.timeToFirstTokenMilliseconds, "tokens_per_second": http.tokensPerSecond],
                "engine_to_http_ratio": overhead,
            ]
            object["concurrent"] = levels.map { level, rate in
                ["streams": level, "tokens_per_second": rate, "llama_server_tokens_per_second": Self.llamaServer[level] as Any]
            }
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
                print(String(decoding: data, as: UTF8.self))
            }
            return
        }
        func format(_ value: Double) -> String { String(format: "%7.1f", value) }
        print("serve-bench (\(maxTokens) tokens per completion, greedy, ignore_eos)")
        print("  engine alone      TTFT \(format(engine.timeToFirstTokenMilliseconds)) ms  \(format(engine.tokensPerSecond)) tok/s")
        print("  through HTTP      TTFT \(format(http.timeToFirstTokenMilliseconds)) ms  \(format(http.tokensPerSecond)) tok/s  (engine/HTTP \(String(format: "%.3f", overhead))x)")
        for (level, rate) in levels {
            let reference = Self.llamaServer[level].map { " (llama-server \(Int($0)) tok/s: \(String(format: "%.2f", rate / $0))x)" } ?? ""
            print("  \(level) concurrent streams: \(format(rate)) tok/s in all\(reference)")
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

    /// One streamed chat completion over HTTP: time to the first content chunk, and tokens from the usage chunk.
    func streamOnce(url: String) async throws -> Measurement {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let body: JSONValue = [
            "model": "bench", "messages": Self.messages, "max_tokens": .int(maxTokens), "temperature": 0, "ignore_eos": true,
            "stream": true, "stream_options": ["include_usage": true],
        ]
        request.body = .bytes(ByteBuffer(string: body.jsonString))
        let start = ContinuousClock.now
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(600))
        guard response.status == .ok else { throw ValidationError("the server answered \(response.status)") }
        var first: Duration?
        var text = ""
        for try await buffer in response.body {
            text += String(buffer: buffer)
            if first == nil, text.contains("\"content\":\""), text.range(of: #""content":"[^"]"#, options: .regularExpression) != nil {
                first = ContinuousClock.now - start
            }
        }
        let total = (ContinuousClock.now - start).inSeconds
        let tokens = ServerSentEvents.payloads(in: text).compactMap { try? JSONValue.parse($0) }
            .compactMap { $0["usage"]?["completion_tokens"]?.intValue }.last ?? 0
        return Measurement(
            timeToFirstTokenMilliseconds: (first?.inSeconds ?? total) * 1000, tokensPerSecond: Double(tokens) / total, tokens: tokens)
    }
}
