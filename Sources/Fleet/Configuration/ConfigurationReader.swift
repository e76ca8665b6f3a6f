import Foundation
import Yams

/// Turns the composed YAML tree into a `FleetConfiguration`, checking every key, type and
/// cross-reference and naming the line and column of each problem.
struct ConfigurationReader {
    let source: String
    let environment: [String: String]

    /// Model and alias names seen so far, with where.
    private var modelNames: [String: Node] = [:]
    private var modelsByName: [String: ModelEntry] = [:]
    private var tierOfModel: [String: String] = [:]

    init(source: String, environment: [String: String]) {
        self.source = source
        self.environment = environment
    }

    static func syntaxError(_ error: any Error, source: String) -> ConfigurationError {
        func at(_ mark: Mark, _ message: String) -> ConfigurationError {
            ConfigurationError(source: source, line: mark.line, column: mark.column, message: message)
        }
        guard let error = error as? YamlError else {
            return ConfigurationError(source: source, line: 0, column: 0, message: "not valid YAML: \(error)")
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return at(mark, "not valid YAML: \(prefix)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return at(context.mark, "the key \(names) appears more than once in one mapping")
        default:
            return ConfigurationError(source: source, line: 0, column: 0, message: "not valid YAML: \(error)")
        }
    }

    // MARK: - The document

    mutating func read(_ root: Node?) throws(ConfigurationError) -> FleetConfiguration {
        guard let root else {
            throw ConfigurationError(source: source, line: 1, column: 1, message: "the file is empty: it needs a 'models' list")
        }
        let fields = try mapping(root, in: "the file")
        try fields.check(allowed: ["models", "tiers", "database"], in: "the top level", reader: self)
        guard let modelsNode = fields["models"] else {
            throw error(at: root, "the file needs a 'models' list")
        }
        var models: [ModelEntry] = []
        for (index, node) in try sequence(modelsNode, named: "models").enumerated() {
            let model = try readModel(node, index: index)
            models.append(model)
            modelsByName[model.name] = model
        }
        guard !models.isEmpty else { throw error(at: modelsNode, "'models' must list at least one model") }
        var tiers: [TierEntry] = []
        if let tiersNode = fields["tiers"], !isNull(tiersNode) {
            var tierNames: Set<String> = []
            for (index, node) in try sequence(tiersNode, named: "tiers").enumerated() {
                let tier = try readTier(node, index: index)
                guard tierNames.insert(tier.name).inserted else {
                    throw error(at: node, "a second tier named '\(tier.name)'")
                }
                tiers.append(tier)
            }
        }
        let database = try fields["database"].map { node throws(ConfigurationError) in try string(node, named: "database") }
        return FleetConfiguration(models: models, tiers: tiers, database: database)
    }

    // MARK: - Errors and positions

    func error(at node: Node?, _ message: String) -> ConfigurationError {
        ConfigurationError(source: source, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, message: message)
    }

    // MARK: - Typed readers

    /// A mapping's entries by key, in file order.
    struct Fields {
        let node: Node
        let entries: [(key: String, keyNode: Node, value: Node)]

        subscript(key: String) -> Node? { entries.first { $0.key == key }?.value }

        /// Fails on the first key not in `allowed`, suggesting the closest allowed one.
        func check(allowed: [String], in context: String, reader: ConfigurationReader) throws(ConfigurationError) {
            for entry in entries where !allowed.contains(entry.key) {
                var message = "unknown key '\(entry.key)' in \(context)"
                if let suggestion = Suggestion.closest(to: entry.key, among: allowed) {
                    message += " (did you mean '\(suggestion)'?)"
                } else {
                    message += " (expected one of: \(allowed.joined(separator: ", ")))"
                }
                throw reader.error(at: entry.keyNode, message)
            }
        }
    }

    func mapping(_ node: Node, in context: String) throws(ConfigurationError) -> Fields {
        guard case .mapping(let mapping) = node else {
            throw error(at: node, "\(context) must be a mapping (key: value), not \(kind(node))")
        }
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else { throw error(at: key, "a key in \(context) must be a plain name") }
            entries.append((scalar.string, key, value))
        }
        return Fields(node: node, entries: entries)
    }

    func sequence(_ node: Node, named name: String) throws(ConfigurationError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw error(at: node, "'\(name)' must be a list, not \(kind(node))")
        }
        return Array(sequence)
    }

    func string(_ node: Node, named name: String) throws(ConfigurationError) -> String {
        guard case .scalar(let scalar) = node, !isNull(node) else {
            throw error(at: node, "'\(name)' must be a string, not \(kind(node))")
        }
        let text = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw error(at: node, "'\(name)' must not be empty") }
        return text
    }

    func strings(_ node: Node, named name: String) throws(ConfigurationError) -> [String] {
        var result: [String] = []
        for item in try sequence(node, named: name) {
            result.append(try string(item, named: "an item of '\(name)'"))
        }
        return result
    }

    func integer(_ node: Node, named name: String, minimum: Int = 1) throws(ConfigurationError) -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string.trimmingCharacters(in: .whitespaces)) else {
            throw error(at: node, "'\(name)' must be a whole number, not \(kind(node))")
        }
        guard value >= minimum else { throw error(at: node, "'\(name)' must be at least \(minimum), not \(value)") }
        return value
    }

    func number(_ node: Node, named name: String, in range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        guard case .scalar(let scalar) = node, let value = Double(scalar.string.trimmingCharacters(in: .whitespaces)),
            value.isFinite
        else {
            throw error(at: node, "'\(name)' must be a number, not \(kind(node))")
        }
        guard range.contains(value) else {
            throw error(at: node, "'\(name)' must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
        }
        return value
    }

    /// A positive duration (`500ms`, `30s`, `5m`, `1h`, `1m30s`, or seconds).
    func duration(_ node: Node, named name: String) throws(ConfigurationError) -> Duration {
        guard case .scalar(let scalar) = node, !isNull(node) else {
            throw error(at: node, "'\(name)' must be a duration such as 30s, 5m or 1m30s, not \(kind(node))")
        }
        guard let value = DurationText.parse(scalar.string) else {
            throw error(at: node, "'\(name)' is not a duration: '\(scalar.string)' (write e.g. 500ms, 30s, 5m, 1h or 1m30s)")
        }
        guard value > .zero else { throw error(at: node, "'\(name)' must be longer than zero") }
        return value
    }

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    func kind(_ node: Node) -> String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        case .scalar(let scalar): isNull(node) ? "nothing" : "'\(scalar.string)'"
        }
    }

    // MARK: - Cross-references used by the model and tier readers

    mutating func claimModelName(_ name: String, at node: Node, what: String) throws(ConfigurationError) {
        if let previous = modelNames[name] {
            let line = previous.mark.map { " (line \($0.line))" } ?? ""
            throw error(at: node, "\(what) '\(name)' is already used by another model or alias\(line)")
        }
        modelNames[name] = node
    }

    func model(named name: String) -> ModelEntry? { modelsByName[name] }

    var knownModelNames: [String] { modelsByName.keys.sorted() }

    mutating func assign(model name: String, toTier tier: String, at node: Node) throws(ConfigurationError) {
        if let other = tierOfModel[name] {
            throw error(
                at: node,
                other == tier
                    ? "model '\(name)' is listed twice in tier '\(tier)'"
                    : "model '\(name)' cannot be in tier '\(tier)': it is already in tier '\(other)' (a model belongs to one tier)")
        }
        tierOfModel[name] = tier
    }

    func lookUp(environmentVariable name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }
}
