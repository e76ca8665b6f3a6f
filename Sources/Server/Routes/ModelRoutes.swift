import Fleet
import Hummingbird
import OpenAIWire

/// `GET /v1/models` and `GET /v1/models/{id}`, with the context window and sampling defaults.
struct ModelRoutes: Sendable {
    let state: ServingState

    func list(_ request: Request, context: SwitchyardRequestContext) async throws -> Response {
        let visible = state.catalogue.models.filter { context.apiKey?.allows(model: $0.descriptor.id) ?? true }
        return ResponseHeaders.json(ModelObject.list(visible.map(object)))
    }

    func get(_ request: Request, context: SwitchyardRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let model = try state.catalogue.model(named: id)
        if let key = context.apiKey, !key.allows(model: model.descriptor.id) { throw FleetError.modelNotFound(id) }
        return ResponseHeaders.json(object(model).value)
    }

    func object(_ model: ServedModel) -> ModelObject {
        let descriptor = model.descriptor
        var extra = JSONObject()
        if case .upstream = model.route {
            // The upstream knows its own window and defaults; ours would be guesses.
            if descriptor.contextLength > 0 {
                extra["context_window"] = .int(descriptor.contextLength)
                extra["max_model_len"] = .int(descriptor.contextLength)
            }
        } else if descriptor.kind == .embedding {
            // Inputs are cut to this many tokens; the vectors have `dimensions` numbers.
            extra["max_model_len"] = .int(descriptor.contextLength)
            if case .backend(let backend as EmbeddingBackend) = model.route {
                extra["dimensions"] = .int(backend.dimensions)
            }
        } else {
            extra["context_window"] = .int(descriptor.contextLength)
            extra["max_model_len"] = .int(descriptor.contextLength)
            extra["sampling_defaults"] = state.samplingDefaults(for: model).value
        }
        if descriptor.kind == .embedding { extra["type"] = "embedding" }
        if let tier = model.tier { extra["tier"] = .string(tier.name) }
        return ModelObject(id: descriptor.id, created: descriptor.created, ownedBy: descriptor.ownedBy, extra: extra)
    }
}
