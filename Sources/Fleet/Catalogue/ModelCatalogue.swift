/// The models this server serves, by id or alias, and the tiers they sleep in.
public struct ModelCatalogue: Sendable {
    public let models: [ServedModel]
    public let tiers: [Tier]

    public init(models: [ServedModel], tiers: [Tier] = []) {
        self.models = models
        self.tiers = tiers
    }

    /// Always-on backends (the default `serve`, and tests).
    public init(_ backends: [any ModelBackend]) {
        self.init(models: backends.map { ServedModel(descriptor: $0.descriptor, route: .backend($0)) })
    }

    public var descriptors: [ModelDescriptor] { models.map(\.descriptor) }

    /// The model served as `id` (its id first, then aliases).
    public func model(named id: String) throws(FleetError) -> ServedModel {
        let model = models.first { $0.descriptor.id == id } ?? models.first { $0.descriptor.aliases.contains(id) }
        guard let model else { throw FleetError.modelNotFound(id) }
        return model
    }

    /// The model for an optional name: the first model when none is named.
    public func model(orDefault id: String?) throws(FleetError) -> ServedModel {
        if let id { return try model(named: id) }
        guard let first = models.first else { throw FleetError.modelNotFound("(none)") }
        return first
    }

    /// The in-process backend serving `id` now (tokenize routes); upstream models have none.
    public func backend(for id: String) throws(FleetError) -> any ModelBackend {
        let served = try model(named: id)
        guard let backend = try served.localBackend() else {
            throw FleetError.invalidRequest(
                message: "The model '\(served.descriptor.id)' is served by an upstream server; this endpoint needs a local model.",
                param: "model", code: "unsupported_model")
        }
        return backend
    }

    /// `backend(for:)` for an optional name: the first model when none is named.
    public func backend(orDefault id: String?) throws(FleetError) -> any ModelBackend {
        try backend(for: try model(orDefault: id).descriptor.id)
    }

    /// The tier named `name`.
    public func tier(named name: String) -> Tier? {
        tiers.first { $0.name == name }
    }
}
