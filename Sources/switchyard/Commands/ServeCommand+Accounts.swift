import ArgumentParser
import Fleet
import Foundation
import Logging
import Server
import ServiceLifecycle

extension ServeCommand {
    /// The key store, rate limiter and usage ledger: in `--database` (a SQLite file or a
    /// `postgres://` URL), else the config file's `database:`, else `SWITCHYARD_DATABASE_URL`, else
    /// `$SWITCHYARD_HOME/switchyard.sqlite`.
    func openAccounts(adminKeys: [String], logger: Logger) async throws -> ServerAccounts {
        let location = FleetStoreLocator.resolve(explicit: database, configured: try configuredDatabase(), home: home)
        do {
            let store = try await FleetStoreLocator.open(location, logger: logger)
            logger.info("fleet database open", metadata: ["database.location": .string(store.location)])
            guard PostgresLocation.isPostgresURL(location) else {
                // One machine: a SQLite file read at every request, limits in memory.
                return ServerAccounts(store: store, adminKeys: adminKeys, logger: logger)
            }
            // Replicas share the database: key lookups are cached for the second within which all
            // of them honour a change; one budget per key in the store's bucket rows; ledger rows
            // spooled to a local file while the database is down.
            return ServerAccounts(
                store: store, limiter: SharedRateLimiter(store: store, logger: logger), adminKeys: adminKeys,
                keyCacheMaxAge: .seconds(1), spool: try spool(), logger: logger)
        } catch {
            let shown = PostgresLocation.isPostgresURL(location) ? PostgresLocation.redacted(location) : location
            FileHandle.standardError.write(Data("error: cannot open the key and usage database \(shown): \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The services the accounts need beside the server: the spool's replay.
    func accountServices(_ accounts: ServerAccounts) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        guard let recorder = accounts.recorder, recorder.spool != nil else { return [] }
        return [.init(service: UsageSpoolReplay(recorder: recorder))]
    }

    /// This replica's spool: `usage-spool-HOST-PORT.jsonl` beside the default SQLite file (the
    /// same file after a restart, so rows left by a crash are replayed; one per replica on a machine).
    private func spool() throws -> UsageSpool {
        let home = (FleetDatabase.defaultPath(home: self.home) as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let host = ProcessInfo.processInfo.hostName.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
        return UsageSpool(path: (home as NSString).appendingPathComponent("usage-spool-\(host)-\(port).jsonl"))
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
