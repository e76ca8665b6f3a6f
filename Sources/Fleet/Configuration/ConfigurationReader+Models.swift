import Foundation
import Yams

extension ConfigurationReader {
    static let modelKeys = ["name", "aliases", "embedded", "upstream", "upstreams", "context_window", "defaults", "responses"] + poolKeys
    static let upstreamKeys = ["base_url", "model", "api_key_env", "timeout", "max_concurrency", "health_url"]
    static let defaultsKeys = ["temperature", "top_p", "max_tokens", "completions_max_tokens"]

    mutating func readModel(_ node: Node, index: Int) throws(ConfigurationError) -> ModelEntry {
        let fields = try mapping(node, in: "models[\(index)]")
        guard let nameNode = fields["name"] else { throw error(at: node, "models[\(index)] needs a 'name'") }
        let name = try string(nameNode, named: "name")
        let context = "model '\(name)'"
        try fields.check(allowed: Self.modelKeys, in: context, reader: self)
        try claimModelName(name, at: nameNode, what: "model name")

        var aliases: [String] = []
        if let aliasesNode = fields["aliases"] {
            let items = try sequence(aliasesNode, named: "aliases")
            for item in items {
                let alias = try string(item, named: "an item of 'aliases'")
                try claimModelName(alias, at: item, what: "alias")
                aliases.append(alias)
            }
        }

        let backendKeys = ["embedded", "upstream", "upstreams"].filter { fields[$0] != nil }
        guard backendKeys.count == 1 else {
            let message =
                backendKeys.isEmpty
                ? "\(context) needs one of 'embedded' (run it in this process) or 'upstream'/'upstreams' (forward it)"
                : "\(context) has \(backendKeys.map { "'\($0)'" }.joined(separator: " and ")): give exactly one"
            throw error(at: backendKeys.count > 1 ? fields[backendKeys[1]] : node, message)
        }
        let backend: BackendEntry
        switch backendKeys[0] {
        case "embedded":
            let embeddedNode = fields["embedded"] ?? node
            let embedded = try mapping(embeddedNode, in: "'embedded' of \(context)")
            try embedded.check(allowed: ["model"], in: "'embedded' of \(context)", reader: self)
            guard let modelNode = embedded["model"] else {
                throw error(at: embeddedNode, "'embedded' of \(context) needs 'model' (a catalogue name or a .gguf path)")
            }
            backend = .embedded(model: try string(modelNode, named: "model"))
        case "upstream":
            backend = .upstream([try readUpstream(fields["upstream"] ?? node, context: context)])
        default:
            let listNode = fields["upstreams"] ?? node
            var upstreams: [UpstreamEntry] = []
            for item in try sequence(listNode, named: "upstreams") {
                upstreams.append(try readUpstream(item, context: context))
            }
            guard !upstreams.isEmpty else { throw error(at: listNode, "'upstreams' of \(context) is empty") }
            backend = .upstream(upstreams)
        }

        let contextLength = try fields["context_window"].map { (node) throws(ConfigurationError) in
            try integer(node, named: "context_window")
        }
        var samplingDefaults: SamplingDefaults?
        if let defaultsNode = fields["defaults"] {
            samplingDefaults = try readDefaults(defaultsNode, context: context)
        }
        var responses: ResponsesMode?
        if let responsesNode = fields["responses"] {
            let text = try string(responsesNode, named: "responses")
            guard let mode = ResponsesMode(rawValue: text) else {
                throw error(at: responsesNode, "'responses' of \(context) must be 'native' or 'bridge', not '\(text)'")
            }
            guard case .upstream = backend else {
                throw error(at: responsesNode, "'responses' of \(context) applies to upstream models only")
            }
            responses = mode
        }
        var targetCount = 0
        if case .upstream(let targets) = backend { targetCount = targets.count }
        let pool = try readPool(fields, targetCount: targetCount, isUpstream: targetCount > 0, context: context)
        var entry = ModelEntry(
            name: name, aliases: aliases, backend: backend, contextLength: contextLength,
            samplingDefaults: samplingDefaults, line: node.mark?.line ?? 0)
        entry.responses = responses
        entry.upstreamPool = pool
        return entry
    }

    func readUpstream(_ node: Node, context: String) throws(ConfigurationError) -> UpstreamEntry {
        let where_ = "the upstream of \(context)"
        let fields = try mapping(node, in: where_)
        try fields.check(allowed: Self.upstreamKeys, in: where_, reader: self)
        guard let urlNode = fields["base_url"] else { throw error(at: node, "\(where_) needs 'base_url'") }
        var baseURL = try string(urlNode, named: "base_url")
        guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            throw error(at: urlNode, "'base_url' must be an http:// or https:// URL, not '\(baseURL)'")
        }
        while baseURL.hasSuffix("/") { baseURL.removeLast() }
        var entry = UpstreamEntry(baseURL: baseURL)
        if let modelNode = fields["model"] { entry.model = try string(modelNode, named: "model") }
        if let keyNode = fields["api_key_env"] {
            let variable = try string(keyNode, named: "api_key_env")
            guard let key = lookUp(environmentVariable: variable) else {
                throw error(at: keyNode, "the environment variable '\(variable)' (api_key_env of \(context)) is not set")
            }
            entry.apiKeyEnv = variable
            entry.apiKey = key
        }
        if let timeoutNode = fields["timeout"] { entry.timeout = try duration(timeoutNode, named: "timeout") }
        if let node = fields["max_concurrency"] { entry.maxConcurrency = try integer(node, named: "max_concurrency") }
        if let node = fields["health_url"] { entry.healthURL = try readHealthURL(node) }
        return entry
    }

    func readDefaults(_ node: Node, context: String) throws(ConfigurationError) -> SamplingDefaults {
        let where_ = "'defaults' of \(context)"
        let fields = try mapping(node, in: where_)
        try fields.check(allowed: Self.defaultsKeys, in: where_, reader: self)
        var defaults = SamplingDefaults()
        if let value = fields["temperature"] { defaults.temperature = try number(value, named: "temperature", in: 0...2) }
        if let value = fields["top_p"] {
            defaults.topP = try number(value, named: "top_p", in: 0...1)
            guard defaults.topP > 0 else { throw error(at: value, "'top_p' must be more than 0") }
        }
        if let value = fields["max_tokens"] { defaults.chatMaxTokens = try integer(value, named: "max_tokens") }
        if let value = fields["completions_max_tokens"] {
            defaults.completionMaxTokens = try integer(value, named: "completions_max_tokens")
        }
        return defaults
    }
}
