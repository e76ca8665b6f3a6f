import ArgumentParser
import Fleet
import Foundation

/// `switchyard keys create|list|revoke`: the API keys clients use against `switchyard serve`.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, list and revoke API keys (stored in $SWITCHYARD_HOME/switchyard.sqlite, or --database).",
        discussion: """
            Secrets look like sy-… and are stored only as their SHA-256: `keys create` prints a secret \
            once, and nothing can show it again. A running server sees new and revoked keys at its next \
            request.

            Exit status: 0 done; 2 unknown or ambiguous key, already revoked, duplicate name or a bad \
            value; 1 the database could not be opened or written.
            """,
        subcommands: [Create.self, List.self, Revoke.self]
    )

    /// `keys create --name N [--models a,b] [--rpm N] [--tpm N] [--admin] [--json]`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key and print its secret (shown once, never again).")

        @Option(help: "A name for the key, unique among active keys.")
        var name: String

        @Option(help: "Comma-separated public model names the key may use (default: every model).")
        var models: String?

        @Option(help: "Requests per minute (default: no limit).")
        var rpm: Int?

        @Option(help: "Prompt plus completion tokens per minute (default: no limit).")
        var tpm: Int?

        @Flag(help: "Allow the admin endpoints.")
        var admin = false

        @Flag(help: "Print the key and its secret as JSON.")
        var json = false

        @OptionGroup var database: FleetDatabaseOptions

        func validate() throws {
            if let rpm, rpm < 1 { throw ValidationError("--rpm must be at least 1 (leave it out for no limit)") }
            if let tpm, tpm < 1 { throw ValidationError("--tpm must be at least 1 (leave it out for no limit)") }
        }

        func run() async throws {
            try await FleetDatabaseOptions.guarding {
                let allowed = models.map { $0.split(separator: ",").map(String.init) }
                let (key, secret) = try await database.withStore { store in
                    try await KeyStore(store: store).create(
                        name: name, allowedModels: allowed, requestsPerMinute: rpm, tokensPerMinute: tpm, isAdmin: admin)
                }
                if json {
                    print(try FleetDatabaseOptions.json(KeyOutput(key, secret: secret)))
                    return
                }
                print("Created key '\(key.name)' (\(key.id)): \(KeysCommand.limits(of: key))")
                print("")
                print("    \(secret)")
                print("")
                print("Copy this secret now: it is stored only as a hash and will not be shown again.")
            }
        }
    }

    /// `keys list [--all] [--json]`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the active keys (with --all, revoked ones too).")

        @Flag(help: "Include revoked keys.")
        var all = false

        @Flag(help: "Print the keys as a JSON array.")
        var json = false

        @OptionGroup var database: FleetDatabaseOptions

        func run() async throws {
            try await FleetDatabaseOptions.guarding {
                let keys = try await database.withStore { try await KeyStore(store: $0).list(includeRevoked: all) }
                if json {
                    print(try FleetDatabaseOptions.json(keys.map { KeyOutput($0) }))
                    return
                }
                guard !keys.isEmpty else {
                    print(all ? "No keys." : "No active keys. Create one with `switchyard keys create --name NAME`.")
                    return
                }
                var table = TextTable(
                    headers: ["ID", "NAME", "PREFIX", "MODELS", "RPM", "TPM", "ADMIN", "CREATED"] + (all ? ["REVOKED"] : []),
                    rightAligned: [4, 5])
                for key in keys {
                    table.rows.append(
                        [
                            key.id, key.name, key.prefix + "…", key.allowedModels?.joined(separator: ",") ?? "all",
                            key.requestsPerMinute.map(String.init) ?? "-", key.tokensPerMinute.map(String.init) ?? "-",
                            key.isAdmin ? "yes" : "no", KeysCommand.timestamp(key.createdAt),
                        ] + (all ? [key.revokedAt.map(KeysCommand.timestamp) ?? "-"] : []))
                }
                print(table.rendered)
            }
        }
    }

    /// `keys revoke ID|NAME [--json]`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a key by id or by name; it stops working at the server's next request.")

        @Argument(help: "The key's id (key_…) or the name of an active key.")
        var key: String

        @Flag(help: "Print the revoked key as JSON.")
        var json = false

        @OptionGroup var database: FleetDatabaseOptions

        func run() async throws {
            try await FleetDatabaseOptions.guarding {
                let revoked = try await database.withStore { try await KeyStore(store: $0).revoke(key) }
                print(json ? try FleetDatabaseOptions.json(KeyOutput(revoked)) : "Revoked key '\(revoked.name)' (\(revoked.id)).")
            }
        }
    }

    /// "models: all, 60 requests/min, no token limit".
    static func limits(of key: APIKey) -> String {
        let models = key.allowedModels.map { "models: " + $0.joined(separator: ", ") } ?? "models: all"
        let requests = key.requestsPerMinute.map { "\($0) requests/min" } ?? "no request limit"
        let tokens = key.tokensPerMinute.map { "\($0) tokens/min" } ?? "no token limit"
        return [models, requests, tokens].joined(separator: ", ") + (key.isAdmin ? ", admin" : "")
    }

    /// "2026-11-25 16:01:21Z".
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss'Z'"
        return formatter.string(from: date)
    }

    /// A key as JSON, every field present (null when unset); `secret` only right after creation.
    struct KeyOutput: Encodable {
        let key: APIKey
        var secret: String?

        init(_ key: APIKey, secret: String? = nil) {
            self.key = key
            self.secret = secret
        }

        enum CodingKeys: String, CodingKey {
            case id, name, prefix, allowedModels = "allowed_models", requestsPerMinute = "requests_per_minute"
            case tokensPerMinute = "tokens_per_minute", isAdmin = "is_admin", createdAt = "created_at"
            case revokedAt = "revoked_at", secret
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(key.id, forKey: .id)
            try container.encode(key.name, forKey: .name)
            try container.encode(key.prefix, forKey: .prefix)
            try container.encode(key.allowedModels, forKey: .allowedModels)
            try container.encode(key.requestsPerMinute, forKey: .requestsPerMinute)
            try container.encode(key.tokensPerMinute, forKey: .tokensPerMinute)
            try container.encode(key.isAdmin, forKey: .isAdmin)
            try container.encode(key.createdAt, forKey: .createdAt)
            try container.encode(key.revokedAt, forKey: .revokedAt)
            if let secret { try container.encode(secret, forKey: .secret) }
        }
    }
}
