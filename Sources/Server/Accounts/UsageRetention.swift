import Fleet
import Foundation
import Logging
import ServiceLifecycle

/// Keeps the usage ledger to a window (`serve --usage-retention 90d`): one row a request adds
/// up to millions a day on a busy server, so rows older than `keep` are deleted at start-up and
/// then periodically (every hour, or a quarter of the window when that is shorter).
public struct UsageRetention: Service {
    let ledger: UsageLedger
    let keep: Duration
    let logger: Logger

    public init(ledger: UsageLedger, keep: Duration, logger: Logger) {
        self.ledger = ledger
        self.keep = keep
        self.logger = logger
    }

    /// How often it prunes.
    var interval: Duration { max(.seconds(1), min(.seconds(3600), keep / 4)) }

    public func run() async throws {
        while true {
            await prune()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return  // shutting down
            }
        }
    }

    /// Deletes what is older than the window; a failure is logged and retried next time.
    func prune() async {
        let cutoff = Date().addingTimeInterval(-keep.inSeconds)
        do {
            let deleted = try await ledger.deleteRecords(before: cutoff)
            if deleted > 0 {
                logger.info("pruned the usage ledger", metadata: ["usage.deleted": .stringConvertible(deleted)])
            }
        } catch {
            logger.warning("cannot prune the usage ledger", metadata: ["error.message": .string(error.description)])
        }
    }
}
