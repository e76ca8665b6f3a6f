import Fleet
import Foundation
import Testing

@Suite struct StoreMigrationTests {
    static let allMigrations = ["v1-api-keys", "v1-usage-ledger", "v2-stored-responses", "v3-usage-entry-id", "v4-rate-buckets", "v5-tier-activity"]

    @Test(arguments: StoreEngine.available) func bothEnginesApplyTheSameNamedMigrations(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            #expect(try await scratch.store.appliedMigrations() == Self.allMigrations)
            let again = try await scratch.reopen()
            #expect(try await again.appliedMigrations() == Self.allMigrations)
            await again.close()
        }
    }

    @Test func replicasStartingTogetherMigrateOnce() async throws {
        // Eight stores open one empty PostgreSQL database at once: the advisory lock lets one
        // migrate while the others wait, then find nothing left to do.
        guard StoreEngine.available.contains(.postgres) else { return }
        let server = try #require(StoreEngine.serverURL, "\(StoreEngine.urlVariable) is not set")
        let name = "switchyard_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await StoreScratch.administer(server, "CREATE DATABASE \(name)")
        let url = try StoreScratch.url(server, database: name)
        let stores = try await withThrowingTaskGroup(of: (any FleetStore).self) { group in
            // A generous deadline: this checks the lock, not the speed of a loaded test machine.
            for _ in 0..<8 { group.addTask { try await PostgresFleetStore.open(url: url, connectTimeout: .seconds(120), queryTimeout: .seconds(120)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for store in stores {
            #expect(try await store.appliedMigrations() == Self.allMigrations)
            await store.close()
        }
        try await StoreScratch.administer(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    @Test func anUnreachableServerIsAClearErrorWithinTheTimeout() async throws {
        // Port 1 on loopback: nothing listens there.
        let started = ContinuousClock.now
        let error = await #expect(throws: AccountsError.self) {
            _ = try await PostgresFleetStore.open(url: "postgres://nobody@127.0.0.1:1/none?sslmode=disable", connectTimeout: .seconds(2))
        }
        #expect(error?.code == .database)
        #expect(error?.message.contains("postgres://nobody@127.0.0.1:1/none") == true)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func locatorPrefersTheOptionThenTheConfigThenTheEnvironment() {
        let environment = ["SWITCHYARD_DATABASE_URL": "postgres://env@h/db", "SWITCHYARD_HOME": "/srv/home"]
        #expect(FleetStoreLocator.resolve(explicit: "/tmp/x.sqlite", configured: "postgres://c@h/db", home: nil, environment: environment) == "/tmp/x.sqlite")
        #expect(FleetStoreLocator.resolve(explicit: nil, configured: "postgres://c@h/db", home: nil, environment: environment) == "postgres://c@h/db")
        #expect(FleetStoreLocator.resolve(explicit: nil, configured: nil, home: nil, environment: environment) == "postgres://env@h/db")
        #expect(FleetStoreLocator.resolve(explicit: nil, configured: nil, home: nil, environment: ["SWITCHYARD_HOME": "/srv/home"]) == "/srv/home/switchyard.sqlite")
    }
}

@Suite struct PostgresLocationTests {
    @Test func parsesUserPasswordHostPortDatabaseAndSSLMode() throws {
        let location = try PostgresLocation(url: "postgres://alice:s%40cret@db.internal:6543/fleet?sslmode=verify-full", environment: [:])
        #expect(location.user == "alice" && location.password == "s@cret")
        #expect(location.host == "db.internal" && location.port == 6543 && location.database == "fleet")
        #expect(location.sslMode == .verifyFull)
        #expect(location.displayURL == "postgres://alice@db.internal:6543/fleet")
        #expect(!location.displayURL.contains("cret"))
    }

    @Test func defaultsFollowLibpq() throws {
        let location = try PostgresLocation(url: "postgresql://bob@localhost", environment: ["PGPASSWORD": "fromenv"])
        #expect(location.port == 5432 && location.database == "bob" && location.sslMode == .prefer)
        #expect(location.password == "fromenv")
        let explicit = try PostgresLocation(url: "postgres://bob:inurl@localhost/db", environment: ["PGPASSWORD": "fromenv"])
        #expect(explicit.password == "inurl")
        let socket = try PostgresLocation(url: "postgres://bob@/db?host=/run/postgresql", environment: [:])
        #expect(socket.socketDirectory == "/run/postgresql")
    }

    @Test func badURLsAreClearErrors() {
        for (url, needle) in [
            ("postgres://localhost/db", "names no user"),
            ("postgres://u@h/db?sslmode=sometimes", "sslmode 'sometimes'"),
            ("postgres://u@h/db?pool=3", "unknown parameter 'pool'"),
            ("mysql://u@h/db", "is not a postgres://"),
        ] {
            #expect(throws: AccountsError.self) { try PostgresLocation(url: url, environment: [:]) }
            do {
                _ = try PostgresLocation(url: url, environment: [:])
            } catch {
                #expect(error.message.contains(needle), "\(url): \(error.message)")
            }
        }
        #expect(PostgresLocation.redacted("postgres://u:secret@h/db") == "postgres://u:***@h/db")
    }
}
