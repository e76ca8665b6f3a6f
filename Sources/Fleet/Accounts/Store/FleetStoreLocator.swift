import Foundation
import Logging

/// Chooses and opens the fleet store: a `postgres://` URL (from `--database`, the config's
/// `database:` or `SWITCHYARD_DATABASE_URL`) opens PostgreSQL; anything else is a SQLite file path;
/// nothing at all is `$SWITCHYARD_HOME/switchyard.sqlite`.
public enum FleetStoreLocator {
    /// The environment variable naming the database when no option does.
    public static let environmentVariable = "SWITCHYARD_DATABASE_URL"

    /// The database to open: `explicit` (an option), else `configured` (the config file), else
    /// `SWITCHYARD_DATABASE_URL`, else the default SQLite file under `home`.
    public static func resolve(
        explicit: String?, configured: String? = nil, home: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        for candidate in [explicit, configured, environment[environmentVariable]] {
            if let candidate, !candidate.trimmingCharacters(in: .whitespaces).isEmpty { return candidate }
        }
        return FleetDatabase.defaultPath(home: home, environment: environment)
    }

    /// Warnings and errors only: what the `keys` and `usage` commands print besides their output.
    public static var quietLogger: Logger {
        var logger = Logger(label: "switchyard.database")
        logger.logLevel = .warning
        return logger
    }

    /// Opens (creating and migrating when needed) the store at `location`.
    ///
    /// - Parameter readOnly: SQLite only: open an existing file without writing (a viewer beside a
    ///   running server). PostgreSQL connections read and write alike.
    public static func open(
        _ location: String, readOnly: Bool = false,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = FleetStoreLocator.quietLogger
    ) async throws(AccountsError) -> any FleetStore {
        if PostgresLocation.isPostgresURL(location) {
            return try await PostgresFleetStore.open(url: location, environment: environment, logger: logger)
        }
        return try FleetDatabase(path: location, readOnly: readOnly)
    }
}
