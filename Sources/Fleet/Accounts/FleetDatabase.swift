import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fleet's SQLite file: API keys and the usage ledger (`$SWITCHYARD_HOME/switchyard.sqlite`),
/// the embedded engine of `FleetStore` (see `FleetDatabase+Keys` and `FleetDatabase+Usage`).
///
/// It is a GRDB `DatabasePool` in WAL mode, so a running server and the `switchyard keys` / `usage`
/// commands can use the same file at once: readers never block the writer, and a writer waits up to
/// five seconds (busy timeout) for another process's write to finish instead of failing.
///
/// Durability: every write is its own committed transaction. GRDB opens WAL pools with
/// `PRAGMA synchronous = NORMAL`: a committed transaction is in the WAL file (in the OS's page cache)
/// when the write returns, so a crash or `kill -9` of the process loses nothing; only a power loss or
/// kernel crash may lose the last transactions (never corrupting the file).
///
/// A new file is created `0600` (the WAL and shared-memory files inherit it), and a missing directory
/// `0700`: the file holds key hashes and who used what.
public final class FleetDatabase: FleetStore {
    /// The file's path.
    public let path: String
    /// Whether this handle only reads (another process writes).
    public let isReadOnly: Bool
    let pool: DatabasePool

    /// Opens (creating and migrating when needed) the database at `path`.
    ///
    /// - Parameters:
    ///   - path: the SQLite file; its directory is created when missing.
    ///   - readOnly: open an existing file without writing to it or migrating it (a viewer beside a
    ///     running server). Throws when the file does not exist.
    public init(path: String, readOnly: Bool = false) throws(AccountsError) {
        let path = (path as NSString).expandingTildeInPath
        self.path = path
        self.isReadOnly = readOnly
        if !readOnly {
            try Self.prepareFile(at: path)
        } else if !FileManager.default.fileExists(atPath: path) {
            throw AccountsError(.database, "cannot open \(path): no such file")
        }
        var configuration = Configuration()
        configuration.label = "switchyard.fleet"
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(5)
        configuration.foreignKeysEnabled = true
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            if !readOnly {
                try Self.migrator.migrate(pool)
            }
        } catch let error as DatabaseError {
            throw AccountsError(.database, "cannot open \(path): \(error.message ?? error.description)")
        } catch {
            throw AccountsError(.database, "cannot open \(path): \(error)")
        }
    }

    /// `$SWITCHYARD_HOME/switchyard.sqlite`; the home is `home` when given, else `$SWITCHYARD_HOME`,
    /// else `~/.cache/switchyard` (the model store's home).
    public static func defaultPath(home: String? = nil) -> String {
        defaultPath(home: home, environment: ProcessInfo.processInfo.environment)
    }

    /// `defaultPath(home:)` with an explicit environment (tests).
    public static func defaultPath(home: String?, environment: [String: String]) -> String {
        let root: String
        if let home, !home.isEmpty {
            root = (home as NSString).expandingTildeInPath
        } else if let value = environment["SWITCHYARD_HOME"], !value.isEmpty {
            root = (value as NSString).expandingTildeInPath
        } else {
            let user = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            root = (user as NSString).appendingPathComponent(".cache/switchyard")
        }
        return (root as NSString).appendingPathComponent("switchyard.sqlite")
    }

    /// The names of the migrations applied to the file, in order.
    public func appliedMigrations() async throws(AccountsError) -> [String] {
        try await read("read the migrations of") { db in try Self.migrator.appliedMigrations(db) }
    }

    public var location: String { path }

    /// Closes the pool (pending reads and writes finish first).
    public func close() async {
        try? pool.close()
    }

    // MARK: - Access

    /// Runs `body` in a read transaction on GRDB's reader queue (never on the caller's thread),
    /// turning database errors into `AccountsError`.
    func read<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(AccountsError) -> T {
        do {
            return try await pool.read { db in try body(db) }
        } catch {
            throw mapped(error, what)
        }
    }

    /// Runs `body` in a write transaction on GRDB's writer queue, committed when this returns.
    func write<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(AccountsError) -> T {
        guard !isReadOnly else {
            throw AccountsError(.database, "cannot \(what) \(path): the database is open read-only")
        }
        do {
            return try await pool.write { db in try body(db) }
        } catch {
            throw mapped(error, what)
        }
    }

    func mapped(_ error: any Error, _ what: String) -> AccountsError {
        if let error = error as? AccountsError { return error }
        if let error = error as? DatabaseError {
            return AccountsError(.database, "cannot \(what) \(path): \(error.message ?? error.description)")
        }
        return AccountsError(.database, "cannot \(what) \(path): \(error)")
    }

    // MARK: - File and directory

    /// Creates the directory (`0700`) and an empty file (`0600`) when missing; keeps an existing
    /// file's owner but tightens its mode to `0600`.
    private static func prepareFile(at path: String) throws(AccountsError) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try makeDirectories(directory)
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw AccountsError(.database, "cannot create \(path): \(reason)")
        }
        _ = fchmod(descriptor, 0o600)
        closeDescriptor(descriptor)
    }

    /// `mkdir -p` with mode `0700` for each directory it creates, naming the system's reason on failure.
    private static func makeDirectories(_ directory: String) throws(AccountsError) {
        var missing: [String] = []
        var current = directory
        while !current.isEmpty, current != "/", !FileManager.default.fileExists(atPath: current) {
            missing.append(current)
            current = (current as NSString).deletingLastPathComponent
        }
        for path in missing.reversed() where mkdir(path, 0o700) != 0 && errno != EEXIST {
            let reason = String(cString: strerror(errno))
            throw AccountsError(.database, "cannot create the directory \(path): \(reason)")
        }
    }
}

/// `close(2)`, out of the class, where `close()` means closing the database.
private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}
