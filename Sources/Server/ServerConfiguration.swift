public import Fleet

/// How `switchyard serve` runs: address, keys, limits.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Accepted bearer keys; empty means no authentication (loopback only).
    public var apiKeys: [String]
    /// Unknown top-level request fields are 400s instead of being ignored.
    public var strictParams: Bool
    /// Request bodies larger than this are refused with 413.
    public var maxBodyBytes: Int
    /// Requests generating at once per model.
    public var maxActive: Int
    /// Requests waiting per model before 429s.
    public var maxQueue: Int
    /// How long in-flight requests may take to finish after SIGINT/SIGTERM.
    public var shutdownGracePeriod: Duration
    public var samplingDefaults: SamplingDefaults
    /// Serve non-streamed completions of upstream models in the connection's pipeline
    /// (`GatewayFastPathHandler`) instead of through the router; same responses either way.
    public var gatewayFastPath = true

    public init(
        host: String = "127.0.0.1", port: Int = 8080, apiKeys: [String] = [], strictParams: Bool = false,
        maxBodyBytes: Int = 4 << 20, maxActive: Int = 8, maxQueue: Int = 64, shutdownGracePeriod: Duration = .seconds(30),
        samplingDefaults: SamplingDefaults = SamplingDefaults()
    ) {
        self.host = host
        self.port = port
        self.apiKeys = apiKeys
        self.strictParams = strictParams
        self.maxBodyBytes = maxBodyBytes
        self.maxActive = maxActive
        self.maxQueue = maxQueue
        self.shutdownGracePeriod = shutdownGracePeriod
        self.samplingDefaults = samplingDefaults
    }

    /// Whether `host` only accepts connections from this machine.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// Refuses to serve without keys on an address others can reach.
    /// - Parameter otherKeys: whether keys exist beyond `apiKeys` (admin keys, the key database).
    public func validate(otherKeys: Bool = false) throws(ServerError) {
        if apiKeys.isEmpty, !otherKeys, !isLoopback {
            throw ServerError.unauthenticatedPublicAddress(host)
        }
        if apiKeys.contains(where: \.isEmpty) {
            throw ServerError.invalidConfiguration("an API key must not be empty")
        }
    }
}
