import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A local file of ledger rows the store could not take (PostgreSQL down): one JSON object a
/// line, appended and fsync'd before the request completes, replayed by `UsageRecorder`.
public final class UsageSpool: Sendable {
    public let path: String
    private let lock = Mutex(())

    /// - Parameter path: the file (created `0600` when first written; its folder must exist).
    public init(path: String) {
        self.path = (path as NSString).expandingTildeInPath
    }

    /// Appends the rows, on disk when this returns.
    public func append(_ records: [UsageRecord]) throws {
        var data = Data()
        let encoder = JSONEncoder()
        for record in records {
            data.append(try encoder.encode(SpooledRecord(record)))
            data.append(0x0A)
        }
        try lock.withLock { _ in
            let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw Self.failure("open", path) }
            defer { _ = close(descriptor) }
            let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written == data.count else { throw Self.failure("write", path) }
            guard fsync(descriptor) == 0 else { throw Self.failure("fsync", path) }
        }
    }

    /// The spooled rows, oldest first (a torn last line, from a crash mid-append, is skipped).
    public func read() throws -> [UsageRecord] {
        try lock.withLock { _ in try Self.lines(at: path) }.compactMap { line in
            try? JSONDecoder().decode(SpooledRecord.self, from: Data(line.utf8)).record
        }
    }

    /// Removes the first `count` lines (those a replay wrote), keeping rows appended since.
    public func remove(count: Int) throws {
        try lock.withLock { _ in
            let lines = try Self.lines(at: path)
            let rest = lines.dropFirst(count)
            if rest.isEmpty {
                if unlink(path) != 0 && errno != ENOENT { throw Self.failure("remove", path) }
                return
            }
            let temporary = path + ".tmp"
            try Data(rest.map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: temporary), options: .atomic)
            guard rename(temporary, path) == 0 else { throw Self.failure("rename", path) }
        }
    }

    private static func lines(at path: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    private static func failure(_ what: String, _ path: String) -> AccountsError {
        AccountsError(.database, "cannot \(what) the usage spool \(path): \(String(cString: strerror(errno)))")
    }
}

/// A ledger row as the spool writes it.
private struct SpooledRecord: Codable {
    var entryID: String
    var requestID: String
    var timeMilliseconds: Int64
    var keyID: String?
    var keyName: String?
    var model: String
    var tier: String?
    var endpoint: String
    var promptTokens: Int
    var completionTokens: Int
    var latencyMilliseconds: Double
    var timeToFirstTokenMilliseconds: Double?
    var status: Int
    var wakeMilliseconds: Double?
    var stream: Bool

    init(_ record: UsageRecord) {
        entryID = record.entryID
        requestID = record.requestID
        timeMilliseconds = record.time.millisecondsSince1970
        keyID = record.keyID
        keyName = record.keyName
        model = record.model
        tier = record.tier
        endpoint = record.endpoint
        promptTokens = record.promptTokens
        completionTokens = record.completionTokens
        latencyMilliseconds = record.latencyMilliseconds
        timeToFirstTokenMilliseconds = record.timeToFirstTokenMilliseconds
        status = record.status
        wakeMilliseconds = record.wakeMilliseconds
        stream = record.stream
    }

    var record: UsageRecord {
        UsageRecord(
            entryID: entryID, requestID: requestID, time: Date(millisecondsSince1970: timeMilliseconds), keyID: keyID,
            keyName: keyName, model: model, tier: tier, endpoint: endpoint, promptTokens: promptTokens,
            completionTokens: completionTokens, latencyMilliseconds: latencyMilliseconds,
            timeToFirstTokenMilliseconds: timeToFirstTokenMilliseconds, status: status, wakeMilliseconds: wakeMilliseconds,
            stream: stream)
    }
}
