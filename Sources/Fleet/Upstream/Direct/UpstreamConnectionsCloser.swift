import NIOCore
import ServiceLifecycle

/// Closes the gateway fast path's pooled upstream connections when the server shuts down: the
/// idle ones at once, the ones carrying a request when its reply ends (none goes back to a pool
/// after that), so upstreams see this server leave instead of keeping dead keep-alives until
/// the process exits. Runs beside the server in its service group.
public struct UpstreamConnectionsCloser: Service {
    public init() {}

    public func run() async throws {
        // A cancelled group is ending too: close them either way.
        try? await gracefulShutdown()
        await Self.closeAll()
    }

    /// Closes every loop's pool (`UpstreamConnectionPool.close`) and waits for their connections to close.
    static func closeAll() async {
        for pool in UpstreamConnectionPool.all {
            try? await pool.eventLoop.flatSubmit { pool.value.close() }.get()
        }
    }
}
