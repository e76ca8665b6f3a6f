import Foundation
import NIOSSL
public import PostgresNIO

/// Where a PostgreSQL fleet store lives, parsed from `postgres://USER[:PASSWORD]@HOST[:PORT]/DB?sslmode=…`
/// (also `postgresql://`), as libpq reads it: the password comes from the URL, else `PGPASSWORD`;
/// `sslmode` is `disable`, `allow`, `prefer` (the default), `require`, `verify-ca` or `verify-full`,
/// with `sslrootcert=FILE` for the CA to trust; `?host=/run/postgresql` connects over that folder's
/// Unix socket.
public struct PostgresLocation: Sendable, Equatable {
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    public var sslRootCertificate: String?
    /// The Unix socket folder (`?host=/path`), when connecting over a socket.
    public var socketDirectory: String?

    /// Whether `text` names a PostgreSQL database rather than a SQLite file.
    public static func isPostgresURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses `url`, taking the password from `environment["PGPASSWORD"]` when the URL has none.
    public init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(AccountsError) {
        guard Self.isPostgresURL(url), let components = URLComponents(string: url) else {
            throw AccountsError(.invalidArgument, "'\(Self.redacted(url))' is not a postgres://USER@HOST:PORT/DB URL")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let known: Set = ["sslmode", "sslrootcert", "host", "application_name", "connect_timeout"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw AccountsError(
                .invalidArgument,
                "the database URL has an unknown parameter '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        socketDirectory = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? (socketDirectory == nil ? "localhost" : "")
        port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw AccountsError(.invalidArgument, "the database URL's port \(port) is out of range")
        }
        guard let user = components.user.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw AccountsError(.invalidArgument, "the database URL names no user: postgres://USER@HOST:PORT/DB")
        }
        self.user = user
        password = components.password?.removingPercentEncoding ?? environment["PGPASSWORD"]
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 } ?? user
        let mode = query["sslmode"] ?? "prefer"
        guard let sslMode = SSLMode(rawValue: mode) else {
            throw AccountsError(
                .invalidArgument,
                "sslmode '\(mode)' is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.sslMode = sslMode
        sslRootCertificate = query["sslrootcert"]
    }

    /// The URL without its password, for messages and logs.
    public var displayURL: String {
        let address = socketDirectory.map { "?host=\($0)" } ?? ""
        return "postgres://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)\(address)"
    }

    /// `url` with any password replaced by `***`.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "postgres://…"
    }

    /// The client configuration: TLS as `sslmode` asks (libpq's meanings: `allow`/`prefer` try TLS
    /// and fall back to plain, `require` encrypts without checking the certificate, `verify-ca`
    /// checks the chain, `verify-full` the chain and the host name).
    public func clientConfiguration() throws(AccountsError) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketDirectory {
            configuration = .init(
                unixSocketPath: socketDirectory + "/.s.PGSQL.\(port)", username: user, password: password,
                database: database)
        } else {
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: try tls())
        }
        configuration.options.additionalStartupParameters = [("application_name", "switchyard")]
        return configuration
    }

    private func tls() throws(AccountsError) -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable:
            return .disable
        case .allow, .prefer, .require:
            tls.certificateVerification = .none
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
        case .verifyFull:
            tls.certificateVerification = .fullVerification
        }
        if let sslRootCertificate {
            guard FileManager.default.isReadableFile(atPath: sslRootCertificate) else {
                throw AccountsError(.invalidArgument, "sslrootcert \(sslRootCertificate) cannot be read")
            }
            tls.trustRoots = .file(sslRootCertificate)
        }
        return sslMode == .allow || sslMode == .prefer ? .prefer(tls) : .require(tls)
    }
}
