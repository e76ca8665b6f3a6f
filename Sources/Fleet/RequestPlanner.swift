import ConstrainedDecoding
public import Engine
public import OpenAIWire

/// Turns validated API requests into generations: applies the server's sampling defaults,
/// renders chat prompts with the model's template, tokenizes, and checks the context window.
public struct RequestPlanner: Sendable {
    public var defaults: SamplingDefaults

    public init(defaults: SamplingDefaults = SamplingDefaults()) {
        self.defaults = defaults
    }

    /// The generations for a chat completion.
    public func plan(_ request: ChatCompletionRequest, on backend: some ModelBackend) throws -> GenerationPlan {
        let model = backend.descriptor
        guard model.kind == .generation else { throw EmbeddingBackend.notAChatModel(model.id) }
        for message in request.messages {
            for part in message.content {
                if case .media(let type, let param) = part, !model.acceptsMedia {
                    throw FleetError.invalidRequest(
                        message: "The model '\(model.id)' accepts text only; content parts of type '\(type)' are not supported.",
                        param: param, code: "unsupported_content")
                }
            }
        }
        let toolsWanted = request.tools != nil && request.toolChoice != .string("none")
        if toolsWanted, !model.supportsToolCalls {
            throw FleetError.invalidRequest(
                message: "The model '\(model.id)' does not support tool calls on this server yet. Send 'tool_choice': 'none' to render the tools into the prompt without calls.",
                param: "tools", code: "unsupported_parameter")
        }
        let prompt: String
        do {
            prompt = try backend.renderChat(
                messages: .array(request.messages.map(\.templateValue)), tools: request.tools, addGenerationPrompt: true,
                templateArguments: request.chatTemplateArguments)
        } catch {
            throw FleetError.invalidRequest(
                message: "The messages could not be rendered with the model's chat template: \(error)", param: "messages",
                code: "invalid_messages")
        }
        let tokens = try backend.tokenize(prompt, addSpecialTokens: true)
        var defaulted: [String] = []
        let maxTokens = try maxTokens(
            requested: request.options.maxTokens, defaultTokens: defaults.chatMaxTokens, promptTokens: tokens.count,
            contextLength: model.contextLength, param: "messages", defaulted: &defaulted)
        if maxTokens == 0 {
            throw FleetError.invalidRequest(
                message: "'max_tokens' must be at least 1 for chat completions.", param: "max_tokens", code: "invalid_value")
        }
        var constraint: OutputConstraint? =
            switch request.responseFormat {
            case .jsonObject: .jsonObject
            case .jsonSchema(_, let schema, let strict): .jsonSchema(schema, strict: strict)
            case .text, nil: nil
            }
        if toolsWanted, let tools = request.tools {
            constraint = .toolCalls(try toolConstraint(tools: tools, choice: request.toolChoice, parallel: request.parallelToolCalls))
        }
        let logprobs = request.logprobs ? (request.topLogprobs ?? 0) : nil
        let choices = try makeChoices(
            options: request.options, promptTokens: [tokens], maxTokens: [maxTokens], logprobs: logprobs, promptLogprobs: nil,
            constraint: constraint, vocabularySize: model.vocabularySize, defaulted: &defaulted)
        return GenerationPlan(choices: choices, promptTokens: [tokens], promptTexts: [prompt], defaulted: defaulted)
    }

    /// The generations for a legacy completion.
    public func plan(_ request: CompletionRequest, on backend: some ModelBackend) throws -> GenerationPlan {
        let model = backend.descriptor
        guard model.kind == .generation else { throw EmbeddingBackend.notAChatModel(model.id) }
        var promptTokens: [[Int]] = []
        var promptTexts: [String] = []
        for (index, prompt) in request.prompts.enumerated() {
            let param = request.prompts.count > 1 ? "prompt[\(index)]" : "prompt"
            switch prompt {
            case .text(let text):
                promptTokens.append(try backend.tokenize(text, addSpecialTokens: true))
                promptTexts.append(text)
            case .tokens(let ids):
                if let bad = ids.first(where: { $0 >= model.vocabularySize }) {
                    throw FleetError.invalidRequest(
                        message: "Token id \(bad) in '\(param)' is outside the vocabulary of \(model.vocabularySize) tokens.",
                        param: param, code: "invalid_value")
                }
                promptTokens.append(ids)
                promptTexts.append(try backend.detokenize(ids))
            }
            if promptTokens[index].isEmpty {
                throw FleetError.invalidRequest(message: "'\(param)' has no tokens.", param: param, code: "invalid_value")
            }
        }
        var defaulted: [String] = []
        var limits: [Int] = []
        var defaultedOnce: [String] = []
        for (index, tokens) in promptTokens.enumerated() {
            limits.append(
                try maxTokens(
                    requested: request.options.maxTokens, defaultTokens: defaults.completionMaxTokens, promptTokens: tokens.count,
                    contextLength: model.contextLength, param: request.prompts.count > 1 ? "prompt[\(index)]" : "prompt",
                    defaulted: &defaultedOnce))
        }
        if !defaultedOnce.isEmpty { defaulted.append("max_tokens") }
        let promptLogprobs = request.echo ? request.logprobs : nil
        let choices = try makeChoices(
            options: request.options, promptTokens: promptTokens, maxTokens: limits, logprobs: request.logprobs,
            promptLogprobs: promptLogprobs, constraint: nil, vocabularySize: model.vocabularySize, defaulted: &defaulted)
        return GenerationPlan(choices: choices, promptTokens: promptTokens, promptTexts: promptTexts, defaulted: defaulted)
    }

    /// `tools` and `tool_choice` as the engine's tool-call constraint.
    func toolConstraint(tools: JSONValue, choice: JSONValue?, parallel: Bool) throws(FleetError) -> ToolCallConstraint {
        var specs: [ToolSpec] = []
        for (index, tool) in (tools.arrayValue ?? []).enumerated() {
            let param = "tools[\(index)]"
            guard tool["type"]?.stringValue ?? "function" == "function", let function = tool["function"],
                let name = function["name"]?.stringValue, !name.isEmpty
            else {
                throw FleetError.invalidRequest(
                    message: "'\(param)' must be {\"type\": \"function\", \"function\": {\"name\": ..., \"parameters\": {...}}}.",
                    param: param, code: "invalid_value")
            }
            let parameters = function["parameters"].flatMap { $0.isNull ? nil : $0 }
            specs.append(ToolSpec(name: name, parameters: parameters, strict: function["strict"]?.boolValue ?? false))
        }
        let mode: ToolChoiceMode
        switch choice {
        case nil, .some(.null), .some(.string("auto")): mode = .auto
        case .some(.string("required")): mode = .required
        case .some(let value):
            guard let name = value["function"]?["name"]?.stringValue else {
                throw FleetError.invalidRequest(
                    message: "'tool_choice' must be 'none', 'auto', 'required' or {\"type\": \"function\", \"function\": {\"name\": ...}}.",
                    param: "tool_choice", code: "invalid_value")
            }
            guard specs.contains(where: { $0.name == name }) else {
                throw FleetError.invalidRequest(
                    message: "'tool_choice' names the function '\(name)', which is not in 'tools'.", param: "tool_choice",
                    code: "invalid_value")
            }
            mode = .function(name)
        }
        return ToolCallConstraint(tools: specs, choice: mode, parallel: parallel)
    }

    /// The completion budget: the request's, checked against the window, or the default clipped to it.
    func maxTokens(
        requested: Int?, defaultTokens: Int?, promptTokens: Int, contextLength: Int, param: String, defaulted: inout [String]
    ) throws(FleetError) -> Int {
        let room = contextLength - promptTokens
        if let requested {
            guard requested <= room else {
                throw FleetError.contextLengthExceeded(
                    message: EngineError.contextLengthExceeded(
                        promptTokens: promptTokens, requestedTokens: requested, contextLength: contextLength
                    ).description, param: param)
            }
            return requested
        }
        guard room > 0 else {
            throw FleetError.contextLengthExceeded(
                message: "This model's maximum context length is \(contextLength) tokens. However, your prompt has \(promptTokens) tokens. Please reduce the length of the prompt.",
                param: param)
        }
        defaulted.append("max_tokens")
        return min(defaultTokens ?? room, room)
    }

    func makeChoices(
        options: GenerationOptions, promptTokens: [[Int]], maxTokens: [Int], logprobs: Int?, promptLogprobs: Int?,
        constraint: OutputConstraint?, vocabularySize: Int, defaulted: inout [String]
    ) throws(FleetError) -> [GenerationPlan.Choice] {
        for id in options.logitBias.keys where id >= vocabularySize {
            throw FleetError.invalidRequest(
                message: "Token id \(id) in 'logit_bias' is outside the vocabulary of \(vocabularySize) tokens.",
                param: "logit_bias", code: "invalid_value")
        }
        var sampling = SamplingParameters()
        if let temperature = options.temperature {
            sampling.temperature = Float(temperature)
        } else {
            sampling.temperature = Float(defaults.temperature)
            defaulted.append("temperature")
        }
        if let topP = options.topP {
            sampling.topP = Float(topP)
        } else {
            sampling.topP = Float(defaults.topP)
            defaulted.append("top_p")
        }
        sampling.topK = max(0, options.topK ?? 0)
        sampling.minP = Float(options.minP ?? 0)
        sampling.repetitionPenalty = Float(options.repetitionPenalty ?? 1)
        sampling.presencePenalty = Float(options.presencePenalty ?? 0)
        sampling.frequencyPenalty = Float(options.frequencyPenalty ?? 0)
        sampling.logitBias = options.logitBias.mapValues { Float($0) }
        let baseSeed: UInt64
        if let seed = options.seed {
            baseSeed = UInt64(bitPattern: Int64(seed))
        } else {
            baseSeed = UInt64.random(in: .min ... .max)
            defaulted.append("seed")
        }
        var choices: [GenerationPlan.Choice] = []
        for (promptIndex, tokens) in promptTokens.enumerated() {
            for sample in 0..<options.n {
                // Choices of one request differ; the same request and seed repeat exactly.
                sampling.seed = baseSeed &+ UInt64(sample)
                let request = GenerationRequest(
                    promptTokens: tokens, sampling: sampling, maxTokens: maxTokens[promptIndex], minTokens: options.minTokens,
                    ignoreEOS: options.ignoreEOS, stopSequences: options.stop, stopTokenIDs: Set(options.stopTokenIDs),
                    logprobs: logprobs, promptLogprobs: promptLogprobs, constraint: constraint)
                choices.append(GenerationPlan.Choice(index: promptIndex * options.n + sample, promptIndex: promptIndex, request: request))
            }
        }
        return choices
    }
}
