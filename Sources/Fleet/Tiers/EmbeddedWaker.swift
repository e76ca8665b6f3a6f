/// Wakes a tier by loading its embedded models into this process; sleeping unloads them.
public struct EmbeddedWaker: TierWaker {
    public let slots: [EmbeddedModelSlot]

    public init(slots: [EmbeddedModelSlot]) {
        self.slots = slots
    }

    public func wake() async throws {
        for slot in slots {
            try Task.checkCancellation()
            do {
                try await slot.load()
            } catch {
                throw FleetError.wakeFailed(tier: "", reason: "cannot load the model '\(slot.id)': \(error)")
            }
        }
    }

    public func stop() async {
        for slot in slots.reversed() {
            slot.unload()
        }
    }
}
