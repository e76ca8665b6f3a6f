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
        let chat = try ChatCompletionRequest(body: bodyBytes.readableBytesView)
        try state.checkIgnored(chat.ignoredFields)
        let backend = try state.catalogue.backend(for: chat.model)
        let model = backend.descriptor
        context.outcome.model = model.id
        let plan = try state.planner.plan(chat, on: backend)
        let ticket = try await state.queue(for: model.id).acquire(client: state.client(context: context, user: chat.options.user))
        var headers = ResponseHeaders.make(defaulted: plan.defaulted, ignored: chat.ignoredFields)
        let id = "chatcmpl-" + RandomID.make(length: 29)
        let created = ServingState.now
        let timer = TokenTimer(model: model.id, metrics: state.metrics)
        let events = GenerationRunner.events(for: plan, on: backend)

        guard chat.options.stream else {
            defer { ticket.release() }
            var texts = [String](repeating: "", count: plan.choices.count)
            var logprobs = [[TokenLogprobInfo]](repeating: [], count: plan.choices.count)
            var finish = [String](repeating: "stop", count: plan.choices.count)
            var toolCalls = [[ToolCallFragment]](repeating: [], count: plan.choices.count)
            var usage = Usage(promptTokens: plan.promptTokenCount)
            for try await item in events {
                switch item.event {
                case .promptScored: break
                case .token(let token):
                    timer.tokenArrived()
                    texts[item.index] += token.text
                    if let logprob = token.logprob { logprobs[item.index].append(TokenLogprobInfo(logprob)) }
                case .toolCall(let delta):
                    ToolCallAssembly.add(delta, to: &toolCalls[item.index])
                case .finished(let reason, let counts):
                    finish[item.index] = reason.rawValue
                    usage.completionTokens += counts.completionTokens
                    usage.cachedTokens = max(usage.cachedTokens, counts.cachedPromptTokens)
                }
            }
            state.metrics.recordTokens(model: model.id, prompt: usage.promptTokens, completion: usage.completionTokens)
            let completion = ChatCompletion(
                id: id, created: created, model: model.id, systemFingerprint: model.fingerprint,
                choices: plan.choices.map { choice in
                    ChatCompletion.Choice(
                        index: choice.index, content: texts[choice.index], finishReason: finish[choice.index],
                        logprobs: chat.logprobs ? logprobs[choice.index] : nil, toolCalls: toolCalls[choice.index])
                }, usage: usage)
            return ResponseHeaders.json(completion.value, headers: headers)
        }

        // Wait for the first event before the headers go out, so a request the engine refuses
        // (an invalid schema, a full context) still gets its HTTP error status.
        let pending = PendingEvents(events)
        try await pending.prefetch()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let includeUsage = chat.options.includeUsage
        let wantsLogprobs = chat.logprobs
        let promptTokens = plan.promptTokenCount
        let metrics = state.metrics
        let choiceIndices = plan.choices.map(\.index)
        let body = ResponseBody { writer in
            defer { ticket.release() }
            var sse = SSEWriter(writer: writer)
            func chunk(_ choices: [ChatCompletionChunk.Choice], usage: Usage? = nil) -> ChatCompletionChunk {
                ChatCompletionChunk(
                    id: id, created: created, model: model.id, systemFingerprint: model.fingerprint, choices: choices,
                    usage: usage, usageRequested: includeUsage)
            }
            for index in choiceIndices {
                try await sse.send(chunk([.init(index: index, role: "assistant", content: "")]).value)
            }
            var usage = Usage(promptTokens: promptTokens)
            do {
                while let item = try await pending.next() {
                    switch item.event {
                    case .promptScored: break
                    case .token(let token):
                        timer.tokenArrived()
                        let logprobs = wantsLogprobs ? token.logprob.map { [TokenLogprobInfo($0)] } : nil
                        guard !token.text.isEmpty || logprobs != nil else { continue }
                        try await sse.send(chunk([.init(index: item.index, content: token.text, logprobs: logprobs)]).value)
                    case .toolCall(let delta):
                        let fragment = ToolCallFragment(index: delta.index, id: delta.id, name: delta.name, arguments: delta.arguments)
                        try await sse.send(chunk([.init(index: item.index, toolCalls: [fragment])]).value)
                    case .finished(let reason, let counts):
                        usage.completionTokens += counts.completionTokens
                        usage.cachedTokens = max(usage.cachedTokens, counts.cachedPromptTokens)
                        try await sse.send(chunk([.init(index: item.index, finishReason: reason.rawValue)]).value)
                    }
                }
            } catch where !sse.failed {
                // The generation failed after the stream began: one error event, then the end.
                try await sse.send(ErrorMapping.openAIError(for: error).body)
                try await sse.finish()
                return
            }
            metrics.recordTokens(model: model.id, prompt: usage.promptTokens, completion: usage.completionTokens)
            if includeUsage {
                try await sse.send(chunk([], usage: usage).value)
            }
            try await sse.sendDone()
            try await sse.finish()
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
