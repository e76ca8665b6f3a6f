import ArgumentParser
import Fleet
import Foundation

/// `--database` and `--home`, shared by the commands that read or write the fleet database
/// (`$SWITCHYARD_HOME/switchyard.sqlite`, or PostgreSQL), and the way their errors become exit codes.
struct FleetDatabaseOptions: ParsableArguments {
    @Option(help: "The fleet database: a SQLite file or postgres://USER@HOST:PORT/DB (default: SWITCHYARD_DATABASE_URL, else switchyard.sqlite under --home).")
    var database: String?

    @Option(help: "The directory holding switchyard.sqlite (default: $SWITCHYARD_HOME, else ~/.cache/switchyard).")
    var home: String?

    /// Opens (creating and migrating when needed) the database, runs `body` with it and closes it.
    func withStore<T>(_ body: (any FleetStore) async throws -> T) async throws -> T {
        let store = try await FleetStoreLocator.open(FleetStoreLocator.resolve(explicit: database, home: home))
        do {
            let value = try await body(store)
            await store.close()
            return value
        } catch {
            await store.close()
            throw error
        }
    }

    /// Exit statuses: 2 for a key that is unknown, ambiguous, already revoked, a duplicate name or
    /// a bad argument; 1 when the database cannot be opened, read or written.
    static func exitCode(for error: AccountsError) -> ExitCode {
        switch error.code {
        case .unknownKey, .ambiguousKey, .alreadyRevoked, .duplicateName, .invalidArgument: ExitCode(2)
        case .database: ExitCode(1)
        }
    }

    /// Runs `body`, turning an `AccountsError` into `error: message` on stderr and its exit code.
    static func guarding(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as AccountsError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw exitCode(for: error)
        }
    }

    /// Pretty, key-sorted JSON without escaped slashes.
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
