public import Foundation
import Yams

/// The fleet's configuration file (`switchyard serve --config switchyard.yaml`): the models to
/// serve, where each runs, and the tiers that wake and sleep together. Models in no tier are
/// always on. See `examples/switchyard.yaml`.
public struct FleetConfiguration: Sendable, Equatable {
    public var models: [ModelEntry]
    public var tiers: [TierEntry]
    /// The fleet database (`database:`): a SQLite path or a `postgres://` URL shared by replicas;
    /// `serve --database` overrides it.
    public var database: String?

    public init(models: [ModelEntry], tiers: [TierEntry] = [], database: String? = nil) {
        self.models = models
        self.tiers = tiers
        self.database = database
    }

    /// Reads and validates a file; errors name the file, line and column.
    /// - Parameter environment: where `api_key_env` variables are looked up.
    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> FleetConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(source: path, line: 0, column: 0, message: "cannot read the file: \(error.localizedDescription)")
        }
        return try parse(yaml: text, source: path, environment: environment)
    }

    /// Parses and validates YAML text.
    /// - Parameter source: the name errors give the text (usually its path).
    public static func parse(
        yaml: String, source: String, environment: [String: String]
    ) throws(ConfigurationError) -> FleetConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigurationReader.syntaxError(error, source: source)
        }
        var reader = ConfigurationReader(source: source, environment: environment)
        return try reader.read(root)
    }

    /// The model served under `id`: its name, else an alias.
    public func model(named id: String) -> ModelEntry? {
        models.first { $0.name == id } ?? models.first { $0.aliases.contains(id) }
    }

    /// The tier a model belongs to, if any.
    public func tier(forModel name: String) -> TierEntry? {
        tiers.first { $0.models.contains(name) }
    }
}
