import ArgumentParser
import Foundation

/// `serve-bench --gateway`'s options.
struct GatewayBenchOptions: ParsableArguments {
    @Flag(help: "Measure the gateway path instead: an in-process mock upstream, directly and through Switchyard (see the README).")
    var gateway = false

    @Option(help: "--gateway: connection counts to measure, comma-separated.")
    var connections = "1,8,64"

    @Option(help: "--gateway: seconds per measurement.")
    var duration = 5

    @Option(help: "--gateway: content chunks in the mock's streamed answer (default 200; with --soak 20000, about 3 MB).")
    var streamChunks: Int?

    @Option(help: "--gateway: instead of the table, stream through the gateway for this many seconds with slow readers, sampling resident memory.")
    var soak: Int?

    @Option(help: "--gateway --soak: clients reading their streams slowly (4 KiB every 10 ms), one stream after another.")
    var slowReaders = 64

    @Option(help: "--gateway: the key and usage database: a SQLite file or postgres://USER@HOST:PORT/DB (default: a fresh SQLite file).")
    var database: String?

    @Option(help: "--gateway: the mock upstream's port (default: any free port).")
    var mockPort = 0

    @Flag(help: "--gateway: also measure nginx (from the PATH) as a plain reverse proxy in front of the same mock.")
    var nginx = false

    @Option(name: .customLong("compare"), help: ArgumentHelp(
        "--gateway: also measure another proxy in front of the mock (repeatable), e.g. litellm=http://127.0.0.1:4000/v1; it gets the same key and model name.",
        valueName: "name=base-url"))
    var compare: [String] = []

    @Flag(help: "--gateway: also measure a second Switchyard whose request tasks run on their connections' event loops instead of Swift's thread pool.")
    var eventLoopTasks = false

    @Flag(help: "--gateway: also measure, in the same run, a Switchyard with the gateway fast path off (serve --no-gateway-fast-path: every request through the router and async-http-client).")
    var routerPath = false

    @Flag(help: "--gateway: the mock sends each streamed event in a write of its own (as a generating server does) instead of the whole stream in one.")
    var chunkWrites = false

    @Option(help: "--gateway: which requests to measure, comma-separated: completion, stream.")
    var kinds = "completion,stream"

    @Option(help: "--gateway: the API key Switchyard requires (and every proxy is sent).")
    var benchKey = "sk-switchyard-bench"

    func settings() throws -> GatewayBench.Settings {
        guard let levels = BenchCommand.levels(connections), !levels.isEmpty else {
            throw ValidationError("--connections needs positive counts, e.g. 1,8,64")
        }
        guard duration >= 1 else { throw ValidationError("--duration must be at least 1 second") }
        let streamChunks = streamChunks ?? (soak == nil ? 200 : 20_000)
        guard streamChunks >= 1 else { throw ValidationError("--stream-chunks must be at least 1") }
        if let soak, soak < 10 { throw ValidationError("--soak needs at least 10 seconds (the first sixth is the warm-up)") }
        guard slowReaders >= 1 else { throw ValidationError("--slow-readers must be at least 1") }
        guard (0...65535).contains(mockPort) else { throw ValidationError("--mock-port must be between 0 and 65535") }
        let kindList = kinds.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !kindList.isEmpty, kindList.allSatisfy({ $0 == "completion" || $0 == "stream" }) else {
            throw ValidationError("--kinds takes completion, stream or both, comma-separated")
        }
        let others = try compare.map { item -> (name: String, baseURL: String) in
            guard let equals = item.firstIndex(of: "="), item[item.index(after: equals)...].hasPrefix("http") else {
                throw ValidationError("--compare '\(item)': expected name=http://host:port/v1")
            }
            var base = String(item[item.index(after: equals)...])
            while base.hasSuffix("/") { base.removeLast() }
            return (String(item[..<equals]), base)
        }
        return GatewayBench.Settings(
            connections: levels, seconds: duration, streamChunks: streamChunks, chunkWrites: chunkWrites, database: database, mockPort: mockPort, nginx: nginx,
            compare: others, apiKey: benchKey, eventLoopTasks: eventLoopTasks, routerPath: routerPath, streams: kindList.contains("stream"),
            completions: kindList.contains("completion"),
            soak: soak.map { SlowReaderSoak.Settings(seconds: $0, readers: slowReaders) })
    }
}
