import Fleet
import Foundation
import Logging
import ServiceLifecycle
import OpenAIWire

/// Keeps the usage ledger to a window (`serve --usage-retention 90d`): one row a request adds
/// up to millions a day on a busy server, so rows older than `keep` are deleted at start-up and
/// then periodically (every hour, or a quarter of the window when that is shorter). Stored
/// Responses API turns older than the window go with them.
public struct UsageRetention: Service {
    let ledger: UsageLedger
    let responses: (any ResponseStore)?
    let keep: Duration
    let logger: Logger

    public init(ledger: UsageLedger, responses: (any ResponseStore)? = nil, keep: Duration, logger: Logger) {
        self.ledger = ledger
        self.responses = responses
        self.keep = keep
        self.logger = logger
    }

    /// How often it prunes.
    var interval: Duration { max(.seconds(1), min(.seconds(3600), keep / 4)) }

    public func run() async throws {
        while true {
            await prune()
            await pruneResponses()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return  // shutting down
            }
        }
    }

    /// Deletes stored responses older than the window; a failure is logged and retried next time.
    func pruneResponses() async {
        guard let responses else { return }
        let cutoff = Date().addingTimeInterval(-keep.inSeconds)
        do {
            let deleted = try await responses.deleteResponses(before: cutoff)
            if deleted > 0 {
                logger.info("pruned stored responses", metadata: ["responses.deleted": .stringConvertible(deleted)])
            }
        } catch {
            logger.warning("cannot prune stored responses", metadata: ["error.message": .string(error.description)])
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
