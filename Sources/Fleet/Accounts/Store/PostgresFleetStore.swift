import Foundation
import Logging
import PostgresNIO

/// The fleet store in PostgreSQL, shared by every replica (`serve --database postgres://…`): keys,
/// the usage ledger and, in time, rate-limit buckets and tier coordination, in the same schema as
/// the SQLite engine.
///
/// The store owns its `PostgresClient` and runs it from `open` to `close`, because it must answer
/// before the server's service group starts (migrations at start-up, the `keys` and `usage`
/// commands). Queries go through the client's pool; nothing waits on a thread.
public final class PostgresFleetStore: FleetStore {
    public let location: String
    let client: PostgresClient
    let logger: Logger
    private let runner: Task<Void, Never>

    private init(location: PostgresLocation, logger: Logger) throws(AccountsError) {
        self.location = location.displayURL
        self.logger = logger
        // The pool's own messages (each failed connection attempt, a lease before `run` starts) only
        // at error level: failures reach callers as `AccountsError`s that name the database.
        var background = logger
        background.logLevel = max(logger.logLevel, .error)
        let client = PostgresClient(configuration: try location.clientConfiguration(), backgroundLogger: background)
        self.client = client
        runner = Task { await client.run() }
    }

    /// Connects to the database at `url` and applies the migrations it lacks, under an advisory
    /// lock so replicas starting together migrate once.
    ///
    /// - Parameters:
    ///   - url: `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=…]` (see `PostgresLocation`).
    ///   - connectTimeout: how long to wait for the database before giving up with a clear error.
    public static func open(
        url: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        connectTimeout: Duration = .seconds(15), logger: Logger = Logger(label: "switchyard.postgres")
    ) async throws(AccountsError) -> PostgresFleetStore {
        let location = try PostgresLocation(url: url, environment: environment)
        let store = try PostgresFleetStore(location: location, logger: logger)
        do {
            try await store.withDeadline(connectTimeout, "connect to and migrate") { () async throws(AccountsError) in
                try await store.migrate()
            }
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    public func close() async {
        runner.cancel()
        await runner.value
    }

    // MARK: - Access

    /// Runs one statement and collects its rows (the usual case: a handful of rows).
    @discardableResult
    func rows(_ what: String, _ query: PostgresQuery) async throws(AccountsError) -> [PostgresRow] {
        do {
            return try await client.query(query, logger: logger).collect()
        } catch {
            throw mapped(error, what)
        }
    }

    /// Runs `body` in one transaction on one connection, committed when this returns.
    func transaction<T: Sendable>(
        _ what: String, _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws(AccountsError) -> T {
        do {
            return try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    let value = try await body(connection)
                    try await connection.query("COMMIT", logger: logger)
                    return value
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch {
            throw mapped(error, what)
        }
    }

    /// Fails with a clear error when `body` takes longer than `limit` (an unreachable server would
    /// otherwise keep the pool retrying).
    func withDeadline<T: Sendable>(
        _ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws(AccountsError) -> T
    ) async throws(AccountsError) -> T {
        let location = location
        let result: Result<T, AccountsError> = await withTaskGroup(of: Result<T, AccountsError>?.self) { group in
            group.addTask {
                do throws(AccountsError) { return .success(try await body()) } catch { return .failure(error) }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return Task.isCancelled
                    ? nil
                    : .failure(AccountsError(
                        .database,
                        "cannot \(what) \(location): no answer within \(limit.components.seconds) s (is the server up, and the URL's host, port, user and sslmode right?)"))
            }
            var outcome: Result<T, AccountsError>?
            while outcome == nil, let next = await group.next() {
                outcome = next
            }
            group.cancelAll()
            return outcome ?? .failure(AccountsError(.database, "cannot \(what) \(location): cancelled"))
        }
        return try result.get()
    }

    /// A database error as `AccountsError`, with the server's message or the connection's failure,
    /// never the statement's parameters.
    func mapped(_ error: any Error, _ what: String) -> AccountsError {
        if let error = error as? AccountsError { return error }
        if let error = error as? PostgresTransactionError, let inner = error.closureError ?? error.beginError {
            return mapped(inner, what)
        }
        return AccountsError(.database, "cannot \(what) \(location): \(Self.describe(error))")
    }

    /// The SQLSTATE of a server error, such as `23505` for a unique violation.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo {
            let message = info[.message] ?? "server error"
            return info[.sqlState].map { "\(message) (SQLSTATE \($0))" } ?? message
        }
        if let underlying = error.underlying { return "\(underlying)" }
        return error.code.description
    }
}
