import Fleet
import Hummingbird
import OpenAIWire

/// `GET /v1/models` and `GET /v1/models/{id}`, with the context window and sampling defaults.
struct ModelRoutes: Sendable {
    let state: ServingState

    func list(_ request: Request, context: SwitchyardRequestContext) async throws -> Response {
        ResponseHeaders.json(ModelObject.list(state.catalogue.descriptors.map(object)))
    }

    func get(_ request: Request, context: SwitchyardRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let backend = try state.catalogue.backend(for: id)
        return ResponseHeaders.json(object(backend.descriptor).value)
    }

    func object(_ model: ModelDescriptor) -> ModelObject {
        ModelObject(
            id: model.id, created: model.created, ownedBy: model.ownedBy,
            extra: JSONObject([
                "context_window": .int(model.contextLength),
                "max_model_len": .int(model.contextLength),
                "sampling_defaults": state.configuration.samplingDefaults.value,
            ]))
    }
}
