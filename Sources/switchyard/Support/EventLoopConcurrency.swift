import Fleet
import NIOCore
import NIOPosix

/// Runs Swift tasks on NIO's event loops instead of Swift Concurrency's own thread pool, for a
/// server that only forwards to upstreams: a request's handler, its upstream call and its
/// response then stay on the event loop that read it, instead of crossing threads four or more
/// times (each crossing a wake-up, milliseconds on a busy two-core machine). Not done when a
/// model runs in this process: its CPU-heavy tasks (tokenizing, sampling, embeddings) would hold
/// an event loop, and every connection on it, for their duration.
enum EventLoopConcurrency {
    /// Installs NIO's singleton event loop group as the global executor when every model of
    /// `catalogue` is served by an upstream; returns whether it did.
    @discardableResult
    static func installIfOnlyUpstreams(_ catalogue: ModelCatalogue) -> Bool {
        let onlyUpstreams = !catalogue.models.isEmpty && catalogue.models.allSatisfy { model in
            if case .upstream = model.route { true } else { false }
        }
        guard onlyUpstreams, !installed else { return false }
        installed = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        return installed
    }

    /// Installing twice traps in NIO; the process installs at most once (set before any server runs).
    nonisolated(unsafe) private static var installed = false
}
