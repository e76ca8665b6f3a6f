import Foundation
import Logging
import PostgresNIO
import Synchronization

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
    /// How long one statement may take before it gives up (see `open`).
    let queryTimeout: Duration
    private let runner: Task<Void, Never>

    private init(location: PostgresLocation, queryTimeout: Duration, logger: Logger) throws(AccountsError) {
        self.location = location.displayURL
        self.queryTimeout = queryTimeout
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
    ///   - queryTimeout: how long one statement may take afterwards: short on the request path (a
    ///     server that is down would otherwise hold requests while the pool retries, and the
    ///     fallbacks, cached keys and the spool, would never start); tests on a loaded machine
    ///     give more.
    public static func open(
        url: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        connectTimeout: Duration = .seconds(15), queryTimeout: Duration = .seconds(3),
        logger: Logger = Logger(label: "switchyard.postgres")
    ) async throws(AccountsError) -> PostgresFleetStore {
        let location = try PostgresLocation(url: url, environment: environment)
        let store = try PostgresFleetStore(location: location, queryTimeout: queryTimeout, logger: logger)
        do {
            try await store.withDeadline(connectTimeout, "connect to and migrate") { () async throws(AccountsError) in
                try await store.migrate()
            }.get()
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

    /// Runs one statement and collects its rows (the usual case: a handful of rows), giving up
    /// after `queryTimeout`.
    @discardableResult
    func rows(_ what: String, _ query: PostgresQuery) async throws(AccountsError) -> [PostgresRow] {
        let client = client
        let logger = logger
        let result: Result<[PostgresRow], AccountsError> = await withDeadline(queryTimeout, what) {
            () async throws(AccountsError) -> [PostgresRow] in
            do {
                return try await client.query(query, logger: logger).collect()
            } catch {
                throw self.mapped(error, what)
            }
        }
        return try result.get()
    }

    /// Fails with a clear error when `body` takes longer than `limit` (an unreachable server would
    /// otherwise keep the pool retrying). Returns at the deadline without waiting for `body`, which
    /// finishes (or fails) on its own: the pool does not always give up a waiting lease at once.
    func withDeadline<T: Sendable>(
        _ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws(AccountsError) -> T
    ) async -> Result<T, AccountsError> {
        let timeout = AccountsError(
            .database,
            "cannot \(what) \(location): no answer within \(limit.components.seconds) s (is the server up, and the URL's host, port, user and sslmode right?)")
        let race = DeadlineRace<T>()
        return await withCheckedContinuation { continuation in
            race.start(continuation)
            let work = Task {
                do throws(AccountsError) { race.finish(.success(try await body())) } catch { race.finish(.failure(error)) }
            }
            Task {
                try? await Task.sleep(for: limit)
                if race.finish(.failure(timeout)) { work.cancel() }
            }
        }
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

/// The first of a piece of work and its deadline to finish resumes the waiter; the other is ignored.
private final class DeadlineRace<T: Sendable>: Sendable {
    private let waiter = Mutex<CheckedContinuation<Result<T, AccountsError>, Never>?>(nil)

    func start(_ continuation: CheckedContinuation<Result<T, AccountsError>, Never>) {
        waiter.withLock { $0 = continuation }
    }

    /// Resumes the waiter with `result` when nothing did before; true when this call did.
    @discardableResult
    func finish(_ result: Result<T, AccountsError>) -> Bool {
        guard let continuation = waiter.withLock({ waiter in defer { waiter = nil }; return waiter }) else { return false }
        continuation.resume(returning: result)
        return true
    }
}
