import AsyncHTTPClient
import Fleet
import NIOCore
import NIOHTTP1
import OpenAIWire

/// The driver used when `wrk` is not installed: async-http-client inside the measured process.
/// It shares the process's cores and event loops with the server it measures, so its figures
/// understate what the server can do; the report names it.
struct SwiftClientDriver: LoadDriver {
    var name: String { "async-http-client (in-process; install wrk for figures the driver does not limit)" }

    func run(_ request: LoadRequest, connections: Int, seconds: Int) async throws -> LoadResult {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connections
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { _ = client.shutdown() }
        let deadline = ContinuousClock.now + .seconds(seconds)
        let start = ContinuousClock.now
        let perConnection = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for _ in 0..<connections {
                group.addTask {
                    var latencies: [Double] = []
                    var errors = 0
                    while ContinuousClock.now < deadline {
                        var post = HTTPClientRequest(url: request.url)
                        post.method = .POST
                        post.headers.add(name: "Content-Type", value: "application/json")
                        post.headers.add(name: "Authorization", value: "Bearer \(request.apiKey)")
                        post.body = .bytes(ByteBuffer(string: request.body))
                        let sent = ContinuousClock.now
                        do {
                            let response = try await client.execute(post, timeout: .seconds(10))
                            for try await _ in response.body {}
                            if response.status.code / 100 != 2 { errors += 1 }
                        } catch {
                            errors += 1
                        }
                        latencies.append((ContinuousClock.now - sent).inMilliseconds)
                    }
                    return (latencies, errors)
                }
            }
            return try await group.reduce(into: [([Double], Int)]()) { $0.append($1) }
        }
        let elapsed = (ContinuousClock.now - start).inMilliseconds / 1000
        let latencies = perConnection.flatMap(\.0).sorted()
        func percentile(_ fraction: Double) -> Double {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * fraction))]
        }
        return LoadResult(
            requestsPerSecond: Double(latencies.count) / elapsed, p50Milliseconds: percentile(0.5), p99Milliseconds: percentile(0.99),
            errors: perConnection.map(\.1).reduce(0, +), requests: latencies.count)
    }
}
