import AsyncHTTPClient
import Engine
import Fleet
import Foundation
import Logging
import Server
import ServiceLifecycle

/// `serve-bench --gateway`: what Switchyard adds in front of an upstream that answers at once.
/// A mock upstream runs in this process; Switchyard's server (an API key, the usage ledger in
/// SQLite or PostgreSQL, as `serve` runs them) forwards one upstream model to it; a load driver
/// (wrk when installed) drives the mock directly, then through Switchyard (and nginx and other
/// proxies when asked), at each connection count, non-streamed and streamed.
struct GatewayBench {
    struct Settings {
        var connections: [Int]
        var seconds: Int
        var streamChunks: Int
        /// The mock sends each streamed event in a write of its own.
        var chunkWrites = false
        /// `nil`: a fresh SQLite file in a temporary directory.
        var database: String?
        var mockPort: Int
        var nginx: Bool
        /// Other proxies in front of the same mock: name and base URL (ending in `/v1`).
        var compare: [(name: String, baseURL: String)]
        var apiKey: String
        /// Also measure a Switchyard whose request tasks run on their connections' event loops.
        var eventLoopTasks = false
        /// Also measure a Switchyard with the gateway fast path off (`--no-gateway-fast-path`).
        var routerPath = false
        /// Which kinds of request the table measures.
        var streams = true
        var completions = true
        /// Run the slow-reader soak instead of the table.
        var soak: SlowReaderSoak.Settings?
    }

    /// One measured cell: a target at a connection count, for one kind of request.
    struct Row: Codable {
        var target: String
        var kind: String
        var connections: Int
        var result: LoadResult
        /// p50 and p99 minus the direct run's at the same connections (nil for the direct run).
        var addedP50Milliseconds: Double?
        var addedP99Milliseconds: Double?
        /// Streams: the added p50 divided by the chunks of a stream.
        var addedMicrosecondsPerChunk: Double?
    }

    struct Report: Codable {
        var driver: String
        var database: String
        var streamChunks: Int
        var seconds: Int
        var rows: [Row]
        var soak: SlowReaderSoak.Report?
    }

    let settings: Settings
    let logger: Logger

    /// The model name clients use; the upstream sees `mock`.
    static let model = "bench"

    func run(driver: any LoadDriver, progress: @escaping @Sendable (String) -> Void) async throws -> Report {
        let mock = try await MockUpstream.start(port: settings.mockPort, streamChunks: settings.streamChunks, chunkWrites: settings.chunkWrites)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let location = settings.database ?? scratch.appendingPathComponent("switchyard.sqlite").path
        let store = try await FleetStoreLocator.open(location, logger: logger)
        let accounts = PostgresLocation.isPostgresURL(location)
            ? ServerAccounts(store: store, limiter: SharedRateLimiter(store: store, logger: logger), keyCacheMaxAge: .seconds(1), logger: logger)
            : ServerAccounts(store: store, logger: logger)
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: UpstreamBackend.httpClientConfiguration())
        var nginx: NginxProxy?
        do {
            let upstream = UpstreamEntry(baseURL: "http://127.0.0.1:\(mock.port)/v1", model: "mock")
            let catalogue = try await FleetAssembly.build(
                configuration: FleetConfiguration(models: [ModelEntry(name: Self.model, backend: .upstream([upstream]))]),
                engine: EngineConfiguration(), httpClient: httpClient, logger: logger
            ) { _ in throw BenchError("the gateway benchmark serves no embedded model") }
            let widest = max(settings.connections.max() ?? 1, settings.soak?.readers ?? 1)
            let (ports, portsContinuation) = AsyncStream.makeStream(of: (server: Int, port: Int).self)
            let application = SwitchyardApplication.build(
                configuration: ServerConfiguration(port: 0, apiKeys: [settings.apiKey], maxActive: widest, maxQueue: widest * 2),
                catalogue: catalogue, accounts: accounts, logger: logger, onListening: { portsContinuation.yield((0, $0)) })
            var services: [any Service] = [application]
            if settings.routerPath {
                // The same server with every request through the router.
                var configuration = ServerConfiguration(port: 0, apiKeys: [settings.apiKey], maxActive: widest, maxQueue: widest * 2)
                configuration.gatewayFastPath = false
                services.append(SwitchyardApplication.build(
                    configuration: configuration, catalogue: catalogue, accounts: accounts, logger: logger,
                    onListening: { portsContinuation.yield((2, $0)) }))
            }
            if settings.eventLoopTasks {
                // The same server with each connection's task on its event loop.
                services.append(SwitchyardApplication.build(
                    configuration: ServerConfiguration(port: 0, apiKeys: [settings.apiKey], maxActive: widest, maxQueue: widest * 2),
                    catalogue: catalogue, accounts: accounts, logger: logger, onEventLoops: true,
                    onListening: { portsContinuation.yield((1, $0)) }))
            }
            let group = ServiceGroup(services: services, logger: logger)
            let serverTask = Task { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            var listening: [Int: Int] = [:]
            while listening.count < services.count, let next = await iterator.next() { listening[next.server] = next.port }
            guard let port = listening[0], listening.count == services.count else { throw BenchError("the server did not start") }

            var targets = [("direct", "http://127.0.0.1:\(mock.port)/v1"), ("switchyard", "http://127.0.0.1:\(port)/v1")]
            if settings.routerPath, let routerPort = listening[2] { targets.append(("sy-router", "http://127.0.0.1:\(routerPort)/v1")) }
            if settings.eventLoopTasks, let loopPort = listening[1] { targets.append(("sy-evloop", "http://127.0.0.1:\(loopPort)/v1")) }
            if settings.nginx {
                guard let executable = NginxProxy.find() else { throw BenchError("--nginx: nginx is not installed (apt-get install nginx-light)") }
                guard let nginxPort = PortProbe.freePort() else { throw BenchError("no free port for nginx") }
                let proxy = try NginxProxy.start(executable: executable, port: nginxPort, upstreamPort: mock.port)
                nginx = proxy
                try await proxy.waitUntilListening()
                targets.insert(("nginx", "http://127.0.0.1:\(nginxPort)/v1"), at: 1)
            }
            targets += settings.compare.map { ($0.name, $0.baseURL) }

            var rows: [Row] = []
            var soakReport: SlowReaderSoak.Report?
            if let soak = settings.soak {
                progress("soak · \(soak.readers) slow readers · \(soak.seconds) s")
                soakReport = try await SlowReaderSoak(settings: soak).run(
                    port: port, body: Self.body(stream: true), apiKey: settings.apiKey, streamBytes: mock.streamBytes)
            }
            let kinds: [(String, Bool)] =
                settings.soak == nil ? [("completion", false), ("stream", true)].filter { $0.1 ? settings.streams : settings.completions } : []
            for (kind, stream) in kinds {
                let body = Self.body(stream: stream)
                for (_, base) in targets {
                    // Warm-up: connections, the key cache, the upstream pool.
                    let request = LoadRequest(url: base + "/chat/completions", body: body, apiKey: settings.apiKey)
                    _ = try await driver.run(request, connections: widest, seconds: 1)
                }
                for connections in settings.connections {
                    var direct: LoadResult?
                    for (name, base) in targets {
                        progress("\(kind) · \(connections) connection\(connections == 1 ? "" : "s") · \(name)")
                        let request = LoadRequest(url: base + "/chat/completions", body: body, apiKey: settings.apiKey)
                        let result = try await driver.run(request, connections: connections, seconds: settings.seconds)
                        var row = Row(target: name, kind: kind, connections: connections, result: result)
                        if let direct {
                            row.addedP50Milliseconds = result.p50Milliseconds - direct.p50Milliseconds
                            row.addedP99Milliseconds = result.p99Milliseconds - direct.p99Milliseconds
                            if stream { row.addedMicrosecondsPerChunk = (result.p50Milliseconds - direct.p50Milliseconds) * 1000 / Double(settings.streamChunks) }
                        } else {
                            direct = result
                        }
                        rows.append(row)
                    }
                }
            }
            await group.triggerGracefulShutdown()
            _ = try? await serverTask.value
            nginx?.stop()
            await catalogue.shutdown()
            try? await httpClient.shutdown()
            await accounts.close()
            await mock.stop()
            try? FileManager.default.removeItem(at: scratch)
            let shownDatabase = settings.database.map { PostgresLocation.isPostgresURL($0) ? PostgresLocation.redacted($0) : $0 } ?? "SQLite (temporary file)"
            return Report(
                driver: driver.name, database: shownDatabase, streamChunks: settings.streamChunks, seconds: settings.seconds, rows: rows,
                soak: soakReport)
        } catch {
            nginx?.stop()
            try? await httpClient.shutdown()
            await accounts.close()
            await mock.stop()
            try? FileManager.default.removeItem(at: scratch)
            throw error
        }
    }

    /// The request every run sends: one short message, one token, as in issue #18's measurements.
    static func body(stream: Bool) -> String {
        #"{"model":"\#(model)","messages":[{"role":"user","content":"Say hi."}],"max_tokens":1"# + (stream ? #","stream":true}"# : "}")
    }
}
