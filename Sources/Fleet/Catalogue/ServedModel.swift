/// One model of the catalogue: what `/v1/models` shows, how requests reach it, and the tier
/// that must be awake before they can.
public struct ServedModel: Sendable {
    public var descriptor: ModelDescriptor
    public var route: ModelRoute
    /// The tier that scales this model to zero; `nil` means always on.
    public var tier: Tier?
    /// This model's sampling defaults; `nil` uses the server's.
    public var samplingDefaults: SamplingDefaults?

    public init(descriptor: ModelDescriptor, route: ModelRoute, tier: Tier? = nil, samplingDefaults: SamplingDefaults? = nil) {
        self.descriptor = descriptor
        self.route = route
        self.tier = tier
        self.samplingDefaults = samplingDefaults
    }

    /// The in-process backend that serves this model now, or `nil` for an upstream model.
    /// Throws when the model's tier is asleep (its engine is unloaded): take a tier lease first.
    public func localBackend() throws(FleetError) -> (any ModelBackend)? {
        switch route {
        case .backend(let backend):
            return backend
        case .embeddedSlot(let slot):
            guard let backend = slot.backend else {
                throw FleetError.wakeFailed(tier: tier?.name ?? "-", reason: "the model '\(descriptor.id)' is not loaded")
            }
            return backend
        case .upstream:
            return nil
        }
    }
}

/// How requests reach a served model.
public enum ModelRoute: Sendable {
    /// A backend that is always ready: the embedded engine outside any tier, or a test double.
    case backend(any ModelBackend)
    /// An embedded model its tier loads on wake and unloads on sleep.
    case embeddedSlot(EmbeddedModelSlot)
    /// OpenAI-compatible servers elsewhere, in failover order.
    case upstream(UpstreamBackend)
}
