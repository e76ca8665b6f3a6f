/// The fields every completion response and chunk opens with, in OpenAI's order:
/// `id, object, created, model, system_fingerprint, choices`.
enum ResponseEnvelope {
    static func object(
        _ kind: String, id: String, created: Int, model: String, systemFingerprint: String, choices: [JSONValue]
    ) -> JSONObject {
        JSONObject([
            "id": .string(id),
            "object": .string(kind),
            "created": .int(created),
            "model": .string(model),
            "system_fingerprint": .string(systemFingerprint),
            "choices": .array(choices),
        ])
    }
}
