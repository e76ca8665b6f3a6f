import ArgumentParser
import Fleet
import Foundation

/// `--home`, shared by the commands that read or write the fleet database
/// (`$SWITCHYARD_HOME/switchyard.sqlite`), and the way their errors become exit codes.
struct FleetDatabaseOptions: ParsableArguments {
    @Option(help: "The directory holding switchyard.sqlite (default: $SWITCHYARD_HOME, else ~/.cache/switchyard).")
    var home: String?

    /// Opens (creating when needed) the database.
    func open() throws(AccountsError) -> FleetDatabase {
        try FleetDatabase(path: FleetDatabase.defaultPath(home: home))
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
    static func guarding(_ body: () throws -> Void) throws {
        do {
            try body()
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
