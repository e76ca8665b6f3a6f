import Foundation

/// While a downloader runs, reports every half second the size of the largest file in its
/// temporary folder (the download in progress; the most seen so far, as the downloader
/// cleans up at the end): a progress measure that works with any pip version.
final class DownloadMonitor: @unchecked Sendable {
    private let directory: URL
    private let package: String
    private let progress: @Sendable (PullProgress) -> Void
    private let condition = NSCondition()
    private var stopped = false
    private var running = false
    private var expected: Int64?
    private var largest: Int64 = 0

    init(directory: URL, package: String, progress: @escaping @Sendable (PullProgress) -> Void) {
        self.directory = directory
        self.package = package
        self.progress = progress
    }

    func start() {
        condition.withLock { running = true }
        let thread = Thread { [self] in poll() }
        thread.name = "switchyard.download-monitor"
        thread.start()
    }

    /// Records the size the downloader announced.
    func expect(_ bytes: Int64) {
        condition.withLock { expected = bytes }
    }

    /// Stops polling, reports a last figure, and waits for the polling thread to end.
    func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
            while running { condition.wait() }
        }
        report()
    }

    private func poll() {
        condition.lock()
        while !stopped {
            condition.unlock()
            report()
            condition.lock()
            _ = condition.wait(until: Date().addingTimeInterval(0.5))
        }
        running = false
        condition.broadcast()
        condition.unlock()
    }

    private func report() {
        let measured = Self.largestFile(under: directory)
        let (received, expected) = condition.withLock {
            largest = max(largest, measured)
            return (largest, self.expected)
        }
        progress(.downloading(package: package, receivedBytes: received, expectedBytes: expected))
    }

    /// The size of the largest regular file under `directory` (pip may hold more than one
    /// copy of the wheel there for a moment, so a sum would overshoot).
    static func largestFile(under directory: URL) -> Int64 {
        guard let enumerator = FileManager.default.enumerator(atPath: directory.path) else { return 0 }
        var largest: Int64 = 0
        while let relative = enumerator.nextObject() as? String {
            if let size = FileSystemSupport.regularFileSize(directory.appendingPathComponent(relative)) {
                largest = max(largest, size)
            }
        }
        return largest
    }
}
