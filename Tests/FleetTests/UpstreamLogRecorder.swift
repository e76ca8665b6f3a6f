import Logging
import Synchronization

/// Log lines kept for inspection.
final class UpstreamLogRecorder: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    /// A trace-level logger that writes here, metadata included.
    func logger() -> Logger {
        Logger(label: "recorded") { _ in UpstreamRecordingLogHandler(recorder: self) }
    }
}

struct UpstreamRecordingLogHandler: LogHandler {
    let recorder: UpstreamLogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        recorder.append("\(event.level) \(event.message) \(metadata.merging(event.metadata ?? [:]) { $1 })")
    }
}
