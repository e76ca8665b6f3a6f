import Fleet
import ServiceLifecycle

/// Writes ledger rows spooled while the database was down back into it: at start-up (rows a
/// previous run left) and then every `interval` until shutdown.
public struct UsageSpoolReplay: Service {
    let recorder: UsageRecorder
    let interval: Duration

    public init(recorder: UsageRecorder, interval: Duration = .seconds(2)) {
        self.recorder = recorder
        self.interval = interval
    }

    public func run() async throws {
        while true {
            await recorder.replaySpool()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                await recorder.replaySpool()  // a last try before the process ends
                return
            }
        }
    }
}
