/// The models this server serves, by id.
public struct ModelCatalogue: Sendable {
    public let backends: [any ModelBackend]

    public init(_ backends: [any ModelBackend]) {
        self.backends = backends
    }

    public var descriptors: [ModelDescriptor] { backends.map(\.descriptor) }

    /// The backend serving `id`.
    public func backend(for id: String) throws(FleetError) -> any ModelBackend {
        let backend =
            backends.first { $0.descriptor.id == id } ?? backends.first { $0.descriptor.aliases.contains(id) }
        guard let backend else {
            throw FleetError.modelNotFound(id)
        }
        return backend
    }

    /// The backend for an optional model name: the first model when none is named.
    public func backend(orDefault id: String?) throws(FleetError) -> any ModelBackend {
        if let id { return try backend(for: id) }
        guard let first = backends.first else { throw FleetError.modelNotFound("(none)") }
        return first
    }
}
