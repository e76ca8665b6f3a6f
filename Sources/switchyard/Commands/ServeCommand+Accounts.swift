import ArgumentParser
import Fleet
import Foundation
import Logging
import Server

extension ServeCommand {
    /// The key store, rate limiter and usage ledger: in `--database` (a SQLite file or a
    /// `postgres://` URL), else the config file's `database:`, else `SWITCHYARD_DATABASE_URL`, else
    /// `$SWITCHYARD_HOME/switchyard.sqlite`.
    func openAccounts(adminKeys: [String], logger: Logger) async throws -> ServerAccounts {
        let location = FleetStoreLocator.resolve(explicit: database, configured: try configuredDatabase(), home: home)
        do {
            let store = try await FleetStoreLocator.open(location, logger: logger)
            logger.info("fleet database open", metadata: ["database.location": .string(store.location)])
            // Replicas share the database: key lookups are cached for the second within which all of
            // them honour a change. A SQLite file is read at every request.
            let shared = PostgresLocation.isPostgresURL(location)
            var accounts = ServerAccounts(store: store, adminKeys: adminKeys, keyCacheMaxAge: shared ? .seconds(1) : .zero)
            if let database = store as? FleetDatabase { accounts.responses = SQLiteResponseStore(database: database) }
            return accounts
        } catch {
            let shown = PostgresLocation.isPostgresURL(location) ? PostgresLocation.redacted(location) : location
            FileHandle.standardError.write(Data("error: cannot open the key and usage database \(shown): \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The config file's `database:`, when there is a config file.
    private func configuredDatabase() throws -> String? {
        guard let config else { return nil }
        do {
            return try FleetConfiguration.load(path: config).database
        } catch {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }
}
