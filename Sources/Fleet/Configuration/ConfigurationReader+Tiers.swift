import Foundation
import Yams

extension ConfigurationReader {
    static let tierKeys = ["name", "models", "idle_timeout", "wake_budget", "wake_hard_cap", "keepalive", "wake"]
    static let wakeKeys = ["command", "stop", "ready_url", "env"]

    mutating func readTier(_ node: Node, index: Int) throws(ConfigurationError) -> TierEntry {
        let fields = try mapping(node, in: "tiers[\(index)]")
        guard let nameNode = fields["name"] else { throw error(at: node, "tiers[\(index)] needs a 'name'") }
        let name = try string(nameNode, named: "name")
        let context = "tier '\(name)'"
        try fields.check(allowed: Self.tierKeys, in: context, reader: self)

        guard let modelsNode = fields["models"] else { throw error(at: node, "\(context) needs 'models' (a list of model names)") }
        var models: [String] = []
        var hasEmbedded = false
        for item in try sequence(modelsNode, named: "models") {
            let model = try string(item, named: "an item of 'models'")
            guard let entry = self.model(named: model) else {
                let known = Suggestion.closest(to: model, among: knownModelNames).map { " (did you mean '\($0)'?)" } ?? ""
                throw error(at: item, "\(context) names the model '\(model)', which is not in 'models'\(known)")
            }
            try assign(model: model, toTier: name, at: item)
            if case .embedded = entry.backend { hasEmbedded = true }
            models.append(model)
        }
        guard !models.isEmpty else { throw error(at: modelsNode, "\(context) lists no models") }

        var tier = TierEntry(name: name, models: models, line: node.mark?.line ?? 0)
        if let value = fields["idle_timeout"] {
            if isNull(value) || (try? string(value, named: "idle_timeout")) == "never" {
                tier.idleTimeout = nil
            } else {
                tier.idleTimeout = try duration(value, named: "idle_timeout")
            }
        }
        if let value = fields["wake_hard_cap"] { tier.wakeHardCap = try duration(value, named: "wake_hard_cap") }
        if let value = fields["wake_budget"] {
            tier.wakeBudget = try duration(value, named: "wake_budget")
            guard tier.wakeBudget <= tier.wakeHardCap else {
                throw error(
                    at: value,
                    "'wake_budget' (\(DurationText.format(tier.wakeBudget))) of \(context) is longer than its 'wake_hard_cap' (\(DurationText.format(tier.wakeHardCap)))"
                )
            }
        } else {
            tier.wakeBudget = min(tier.wakeBudget, tier.wakeHardCap)
        }
        if let value = fields["keepalive"] { tier.keepAliveInterval = try duration(value, named: "keepalive") }
        if let wakeNode = fields["wake"] { tier.wake = try readWake(wakeNode, context: context) }
        if tier.wake?.command == nil && tier.wake?.readyURL == nil && !hasEmbedded {
            throw error(
                at: fields["wake"] ?? node,
                "\(context) has nothing to wake: give it 'wake' with a 'command' and 'ready_url', or put embedded models in it")
        }
        return tier
    }

    func readWake(_ node: Node, context: String) throws(ConfigurationError) -> WakeEntry {
        let where_ = "'wake' of \(context)"
        let fields = try mapping(node, in: where_)
        try fields.check(allowed: Self.wakeKeys, in: where_, reader: self)
        var wake = WakeEntry()
        if let value = fields["command"] { wake.command = try string(value, named: "command") }
        if let value = fields["stop"] { wake.stop = try string(value, named: "stop") }
        if let value = fields["ready_url"] {
            let text = try string(value, named: "ready_url")
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                url.host?.isEmpty == false
            else {
                throw error(at: value, "'ready_url' must be an http:// or https:// URL, not '\(text)'")
            }
            wake.readyURL = text
        }
        if let value = fields["env"] {
            let variables = try mapping(value, in: "'env' of \(context)")
            for entry in variables.entries {
                guard case .scalar(let scalar) = entry.value, !isNull(entry.value) else {
                    throw error(at: entry.value, "the variable '\(entry.key)' in 'env' of \(context) must be a string, not \(kind(entry.value))")
                }
                wake.environment[entry.key] = scalar.string
            }
        }
        if wake.command != nil && wake.readyURL == nil {
            throw error(at: node, "\(where_) has a 'command' but no 'ready_url': the server cannot tell when it is ready")
        }
        if wake.stop != nil && wake.command == nil {
            throw error(at: fields["stop"] ?? node, "\(where_) has a 'stop' command but no 'command' to start it")
        }
        return wake
    }
}
