import Fleet
import Hummingbird
import OpenAIWire

/// `POST /tokenize` and `POST /detokenize`, in vLLM's shapes.
struct TokenizeRoutes: Sendable {
    let state: ServingState

    func tokenize(_ request: Request, context: SwitchyardRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: state.configuration.maxBodyBytes)
        let tokenize = try TokenizeRequest(body: body.readableBytesView)
        return try await state.withLocalBackend(named: tokenize.model, context: context) { backend in
            try Self.tokenize(tokenize, on: backend)
        }
    }

    private static func tokenize(_ tokenize: TokenizeRequest, on backend: any ModelBackend) throws -> Response {
        let tokens: [Int]
        switch tokenize.input {
        case .prompt(let prompt):
            tokens = try backend.tokenize(prompt, addSpecialTokens: tokenize.addSpecialTokens)
        case .messages(let messages, let addGenerationPrompt):
            let prompt: String
            do {
                prompt = try backend.renderChat(
                    messages: .array(messages.map(\.templateValue)), tools: tokenize.tools,
                    addGenerationPrompt: addGenerationPrompt, templateArguments: tokenize.chatTemplateArguments)
            } catch {
                throw FleetError.invalidRequest(
                    message: "The messages could not be rendered with the model's chat template: \(error)", param: "messages",
                    code: "invalid_messages")
            }
            tokens = try backend.tokenize(prompt, addSpecialTokens: true)
        }
        return ResponseHeaders.json([
            "tokens": .array(tokens.map(JSONValue.int)),
            "count": .int(tokens.count),
            "max_model_len": .int(backend.descriptor.contextLength),
        ])
    }

    func detokenize(_ request: Request, context: SwitchyardRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: state.configuration.maxBodyBytes)
        let detokenize = try DetokenizeRequest(body: body.readableBytesView)
        return try await state.withLocalBackend(named: detokenize.model, context: context) { backend in
            try Self.detokenize(detokenize, on: backend)
        }
    }

    private static func detokenize(_ detokenize: DetokenizeRequest, on backend: any ModelBackend) throws -> Response {
        let vocabulary = backend.descriptor.vocabularySize
        if let index = detokenize.tokens.firstIndex(where: { $0 >= vocabulary }) {
            throw OpenAIError.invalidValue(
                "Token id \(detokenize.tokens[index]) is outside the vocabulary of \(vocabulary) tokens.", param: "tokens[\(index)]")
        }
        return ResponseHeaders.json(["prompt": .string(try backend.detokenize(detokenize.tokens))])
    }
}
