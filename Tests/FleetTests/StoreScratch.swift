import Fleet
import Foundation
import Logging
import PostgresNIO
import Testing

/// The engines the store suite runs against: SQLite always; PostgreSQL when
/// `SWITCHYARD_TEST_POSTGRES_URL` names a server (scripts/test.sh starts a throwaway cluster and
/// always sets it). Under CI (`CI` set) PostgreSQL is required: without a server its cases fail
/// with a message naming the variable rather than being left out.
enum StoreEngine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static let urlVariable = "SWITCHYARD_TEST_POSTGRES_URL"

    static var serverURL: String? {
        ProcessInfo.processInfo.environment[urlVariable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether this run must cover PostgreSQL (CI runs scripts/test.sh, which starts a server).
    static var required: Bool {
        let ci = ProcessInfo.processInfo.environment["CI"] ?? ""
        return !ci.isEmpty && ci != "0" && ci.lowercased() != "false"
    }

    /// SQLite, and PostgreSQL when a server is given or CI requires it.
    static var available: [StoreEngine] { serverURL == nil && !required ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }
}

/// A fresh, empty store per test: a SQLite file in a temporary folder, or a new PostgreSQL
/// database on the test server (dropped by `close`).
final class StoreScratch: Sendable {
    let engine: StoreEngine
    /// What `FleetStoreLocator.open` takes: the file's path or the database's URL.
    let location: String
    let store: any FleetStore
    private let files: DatabaseScratch?
    private let databaseName: String?

    private init(engine: StoreEngine, location: String, store: any FleetStore, files: DatabaseScratch?, databaseName: String?) {
        self.engine = engine
        self.location = location
        self.store = store
        self.files = files
        self.databaseName = databaseName
    }

    static func make(_ engine: StoreEngine) async throws -> StoreScratch {
        switch engine {
        case .sqlite:
            let files = try DatabaseScratch()
            return StoreScratch(
                engine: engine, location: files.databasePath, store: try files.open(), files: files, databaseName: nil)
        case .postgres:
            let server = try #require(
                StoreEngine.serverURL, "\(StoreEngine.urlVariable) is not set: run the suite under scripts/test.sh, or scripts/postgres.sh swift test …")
            let name = "switchyard_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            try await Self.administer(server, "CREATE DATABASE \(name)")
            let location = try Self.url(server, database: name)
            return StoreScratch(
                engine: engine, location: location, store: try await Self.open(location), files: nil,
                databaseName: name)
        }
    }

    /// Runs `body` with a fresh store of `engine`, then closes and removes it.
    static func with(_ engine: StoreEngine, _ body: (StoreScratch) async throws -> Void) async throws {
        let scratch = try await make(engine)
        do {
            try await body(scratch)
        } catch {
            try? await scratch.close()
            throw error
        }
        try await scratch.close()
    }

    /// Another handle on the same database (another process, or the same one after a restart).
    func reopen() async throws -> any FleetStore {
        try await Self.open(location)
    }

    /// Opens with generous deadlines: the suites run in parallel on a loaded machine, and these
    /// tests check behaviour, not speed.
    private static func open(_ location: String) async throws -> any FleetStore {
        guard PostgresLocation.isPostgresURL(location) else { return try await FleetStoreLocator.open(location) }
        return try await PostgresFleetStore.open(
            url: location, connectTimeout: .seconds(120), queryTimeout: .seconds(120), logger: quietLogger)
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    /// Closes the store and removes the database.
    func close() async throws {
        await store.close()
        if let databaseName, let server = StoreEngine.serverURL {
            try await Self.administer(server, "DROP DATABASE IF EXISTS \(databaseName) WITH (FORCE)")
        }
    }

    /// `server` with its database replaced by `database`.
    static func url(_ server: String, database: String) throws -> String {
        var components = try #require(URLComponents(string: server))
        components.path = "/" + database
        return try #require(components.string)
    }

    /// Runs one statement on the test server's own database (creating and dropping test databases).
    static func administer(_ server: String, _ sql: String) async throws {
        let client = PostgresClient(
            configuration: try PostgresLocation(url: server).clientConfiguration(), backgroundLogger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            _ = try await client.query(PostgresQuery(unsafeSQL: sql)).collect()
        }
    }
}
