/// What one load run measured: completed requests per second and latency percentiles.
struct LoadResult: Sendable, Codable {
    var requestsPerSecond: Double
    var p50Milliseconds: Double
    var p99Milliseconds: Double
    /// Requests answered with a status other than 2xx, plus socket errors.
    var errors: Int
    var requests: Int
}

/// One POST to drive at a URL: the same body, headers and key for every request.
struct LoadRequest: Sendable {
    var url: String
    var body: String
    var apiKey: String
}

/// Something that drives `connections` keep-alive connections for `seconds` at a URL.
protocol LoadDriver: Sendable {
    /// Its name, as the report shows it.
    var name: String { get }
    func run(_ request: LoadRequest, connections: Int, seconds: Int) async throws -> LoadResult
}
