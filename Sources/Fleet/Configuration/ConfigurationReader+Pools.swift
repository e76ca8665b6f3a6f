import Yams

/// A pool's keys on an upstream model: `balance`, `prefix_length`, `health`.
extension ConfigurationReader {
    static let poolKeys = ["balance", "prefix_length", "health"]
    static let healthKeys = ["interval", "eject_after", "cool_down"]

    /// The pool settings of `context`, or `nil` when it sets none of the pool keys.
    func readPool(_ fields: Fields, targetCount: Int, isUpstream: Bool, context: String) throws(ConfigurationError) -> UpstreamPoolSettings? {
        let present = Self.poolKeys.compactMap { key in fields[key].map { (key, $0) } }
        guard let first = present.first else { return nil }
        guard isUpstream else {
            throw error(at: first.1, "'\(first.0)' of \(context) applies to upstream models only")
        }
        var settings = UpstreamPoolSettings.defaults(targetCount: targetCount)
        if let node = fields["balance"] {
            let text = try string(node, named: "balance")
            guard let policy = BalancePolicy(rawValue: text) else {
                let names = BalancePolicy.allCases.map(\.rawValue)
                var message = "'balance' of \(context) must be one of \(names.joined(separator: ", ")), not '\(text)'"
                if let suggestion = Suggestion.closest(to: text, among: names) { message += " (did you mean '\(suggestion)'?)" }
                throw error(at: node, message)
            }
            settings.balance = policy
        }
        if let node = fields["prefix_length"] {
            settings.prefixLength = try integer(node, named: "prefix_length")
        }
        if let node = fields["health"] {
            let where_ = "'health' of \(context)"
            let health = try mapping(node, in: where_)
            try health.check(allowed: Self.healthKeys, in: where_, reader: self)
            if let value = health["interval"] { settings.healthInterval = try duration(value, named: "interval") }
            if let value = health["eject_after"] { settings.ejectAfter = try integer(value, named: "eject_after") }
            if let value = health["cool_down"] { settings.coolDown = try duration(value, named: "cool_down") }
        }
        return settings
    }

    /// `health_url` of a target: an http(s) URL.
    func readHealthURL(_ node: Node) throws(ConfigurationError) -> String {
        let text = try string(node, named: "health_url")
        guard text.hasPrefix("http://") || text.hasPrefix("https://") else {
            throw error(at: node, "'health_url' must be an http:// or https:// URL, not '\(text)'")
        }
        return text
    }
}
