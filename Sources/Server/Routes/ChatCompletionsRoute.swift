import Engine
import Fleet
import HTTPTypes
import Hummingbird
import OpenAIWire

/// `POST /v1/chat/completions`.
struct ChatCompletionsRoute: Sendable {
    let state: ServingState

    func handle(_ request: Request, context: SwitchyardRequestContext) async throws -> Response {
        let bodyBytes = try await request.body.collect(upTo: state.configuration.maxBodyBytes)
        let object = try JSONObject(requestBody: bodyBytes.readableBytesView)
        let chat = try ChatCompletionRequest(object)
        return try await CompletionEndpoint(state: state, path: "chat/completions").serve(
            model: chat.model, options: chat.options, ignoredFields: chat.ignoredFields, body: bodyBytes, object: object, context: context
        ) { admission in
            LocalChatCompletion(state: state, admission: admission, chat: chat)
        }
    }
}

/// A chat completion on an in-process backend, once its tier (if any) is awake.
struct LocalChatCompletion: LocalCompletionWork {
    let state: ServingState
    let admission: CompletionAdmission
    let chat: ChatCompletionRequest

    /// Plans the request and waits for a generation slot.
    private func start() async throws -> (any ModelBackend, GenerationPlan, HTTPFields) {
        guard let backend = try admission.served.localBackend() else { throw FleetError.modelNotFound(chat.model) }
        let plan = try state.planner(for: admission.served).plan(chat, on: backend)
        admission.accounting.setUsage(prompt: plan.promptTokenCount, completion: 0)
        admission.accounting.reserve(tokens: plan.reservedTokens)
        admission.accounting.adopt(try await admission.queue.acquire(client: admission.client))
        return (backend, plan, ResponseHeaders.make(defaulted: plan.defaulted, ignored: chat.ignoredFields))
    }

    func complete() async throws -> (JSONValue, HTTPFields) {
        let (backend, plan, headers) = try await start()
        let model = backend.descriptor
        let timer = TokenTimer(model: model.id, metrics: state.metrics)
        let accounting = admission.accounting
        var texts = [String](repeating: "", count: plan.choices.count)
        var logprobs = [[TokenLogprobInfo]](repeating: [], count: plan.choices.count)
        var finish = [String](repeating: "stop", count: plan.choices.count)
        var toolCalls = [[ToolCallFragment]](repeating: [], count: plan.choices.count)
        var usage = Usage(promptTokens: plan.promptTokenCount)
        for try await item in GenerationRunner.events(for: plan, on: backend) {
            switch item.event {
            case .promptScored: break
            case .token(let token):
                timer.tokenArrived()
                accounting.outputArrived()
                texts[item.index] += token.text
                if let logprob = token.logprob { logprobs[item.index].append(TokenLogprobInfo(logprob)) }
            case .toolCall(let delta):
                accounting.outputArrived()
                ToolCallAssembly.add(delta, to: &toolCalls[item.index])
            case .finished(let reason, let counts):
                finish[item.index] = reason.rawValue
                usage.completionTokens += counts.completionTokens
                usage.cachedTokens = max(usage.cachedTokens, counts.cachedPromptTokens)
            }
        }
        state.metrics.recordTokens(model: model.id, prompt: usage.promptTokens, completion: usage.completionTokens)
        accounting.setUsage(prompt: usage.promptTokens, completion: usage.completionTokens)
        let completion = ChatCompletion(
            id: "chatcmpl-" + RandomID.make(length: 29), created: ServingState.now, model: model.id,
            systemFingerprint: model.fingerprint,
            choices: plan.choices.map { choice in
                ChatCompletion.Choice(
                    index: choice.index, content: texts[choice.index], finishReason: finish[choice.index],
                    logprobs: chat.logprobs ? logprobs[choice.index] : nil, toolCalls: toolCalls[choice.index])
            }, usage: usage)
        return (completion.value, headers)
    }

    func startStream() async throws -> StreamStart {
        let (backend, plan, headers) = try await start()
        let model = backend.descriptor
        let timer = TokenTimer(model: model.id, metrics: state.metrics)
        // Wait for the first event before the headers go out, so a request the engine refuses
        // (an invalid schema, a full context) still gets its HTTP error status.
        let pending = PendingEvents(GenerationRunner.events(for: plan, on: backend))
        try await pending.prefetch()
        let id = "chatcmpl-" + RandomID.make(length: 29)
        let created = ServingState.now
        let includeUsage = chat.options.includeUsage
        let wantsLogprobs = chat.logprobs
        let promptTokens = plan.promptTokenCount
        let metrics = state.metrics
        let accounting = admission.accounting
        let choiceIndices = plan.choices.map(\.index)
        return StreamStart(headers: headers) { sse in
            func chunk(_ choices: [ChatCompletionChunk.Choice], usage: Usage? = nil) -> ChatCompletionChunk {
                ChatCompletionChunk(
                    id: id, created: created, model: model.id, systemFingerprint: model.fingerprint, choices: choices,
                    usage: usage, usageRequested: includeUsage)
            }
            for index in choiceIndices {
                try await sse.send(chunk([.init(index: index, role: "assistant", content: "")]).value)
            }
            var usage = Usage(promptTokens: promptTokens)
            var completionTokens = CompletionTokenCount()
            while let item = try await pending.next() {
                switch item.event {
                case .promptScored: break
                case .token(let token):
                    timer.tokenArrived()
                    accounting.outputArrived()
                    completionTokens.streamed(choice: item.index)
                    accounting.setUsage(prompt: promptTokens, completion: completionTokens.total)
                    let logprobs = wantsLogprobs ? token.logprob.map { [TokenLogprobInfo($0)] } : nil
                    guard !token.text.isEmpty || logprobs != nil else { continue }
                    try await sse.send(chunk([.init(index: item.index, content: token.text, logprobs: logprobs)]).value)
                case .toolCall(let delta):
                    accounting.outputArrived()
                    let fragment = ToolCallFragment(index: delta.index, id: delta.id, name: delta.name, arguments: delta.arguments)
                    try await sse.send(chunk([.init(index: item.index, toolCalls: [fragment])]).value)
                case .finished(let reason, let counts):
                    completionTokens.finished(choice: item.index, tokens: counts.completionTokens)
                    usage.completionTokens = completionTokens.total
                    accounting.setUsage(prompt: promptTokens, completion: completionTokens.total)
                    usage.cachedTokens = max(usage.cachedTokens, counts.cachedPromptTokens)
                    try await sse.send(chunk([.init(index: item.index, finishReason: reason.rawValue)]).value)
                }
            }
            metrics.recordTokens(model: model.id, prompt: usage.promptTokens, completion: usage.completionTokens)
            if includeUsage {
                try await sse.send(chunk([], usage: usage).value)
            }
        }
    }
}
