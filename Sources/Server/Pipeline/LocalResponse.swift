import Engine
import Fleet
import Foundation
import HTTPTypes
import OpenAIWire

/// A Responses API turn on an in-process backend: the chat completion pipeline (planner,
/// template, grammar, tool-call parsing, accounting) with the output shaped as a response and,
/// when `store` is set, the turn saved before the client sees it complete.
struct LocalResponse: LocalCompletionWork {
    let state: ServingState
    let admission: CompletionAdmission
    let turn: ResponseRequest
    /// The turn as the chat completion it runs as.
    let chat: ChatCompletionRequest
    let owner: String
    let responseID: String
    let created: Int

    private func start() async throws -> (any ModelBackend, GenerationPlan, HTTPFields) {
        guard let backend = try admission.served.localBackend() else { throw FleetError.modelNotFound(chat.model) }
        let plan: GenerationPlan
        let planner = state.planner(for: admission.served)
        do {
            if turn.truncationAuto {
                plan = try ResponseTruncation.plan(chat) { request in try planner.plan(request, on: backend) }.plan
            } else {
                plan = try planner.plan(chat, on: backend)
            }
        } catch {
            throw ResponseErrors.renamed(error, truncationAuto: turn.truncationAuto)
        }
        admission.accounting.setUsage(prompt: plan.promptTokenCount, completion: 0)
        admission.accounting.reserve(tokens: plan.reservedTokens)
        admission.accounting.adopt(try await admission.queue.acquire(client: admission.client))
        return (backend, plan, ResponseHeaders.make(defaulted: plan.defaulted, ignored: turn.ignoredFields))
    }

    /// The response before any output, with the sampling values the plan applies.
    private func emptyResponse(model: String) -> ResponseObject {
        let defaults = state.samplingDefaults(for: admission.served)
        return ResponseObject(
            id: responseID, createdAt: created, status: .inProgress, model: model, request: turn,
            temperature: turn.options.temperature ?? defaults.temperature, topP: turn.options.topP ?? defaults.topP)
    }

    private func builder(model: String) -> ResponseOutputBuilder {
        ResponseOutputBuilder(response: emptyResponse(model: model)) { prefix in "\(prefix)_" + RandomID.make(length: 24) }
    }

    func complete() async throws -> (JSONValue, HTTPFields) {
        let (backend, plan, headers) = try await start()
        let model = backend.descriptor
        let timer = TokenTimer(model: model.id, metrics: state.metrics)
        let accounting = admission.accounting
        var output = builder(model: model.id)
        _ = output.start()
        var finish = FinishReason.stop
        var usage = ResponseUsage(inputTokens: plan.promptTokenCount, cachedTokens: 0, outputTokens: 0)
        do {
            for try await item in GenerationRunner.events(for: plan, on: backend) {
                switch item.event {
                case .promptScored: break
                case .token(let token):
                    timer.tokenArrived()
                    accounting.outputArrived()
                    _ = output.text(token.text)
                case .toolCall(let delta):
                    accounting.outputArrived()
                    _ = output.toolCall(index: delta.index, callID: delta.id, name: delta.name, arguments: delta.arguments)
                case .finished(let reason, let counts):
                    finish = reason
                    usage.outputTokens = counts.completionTokens
                    usage.cachedTokens = counts.cachedPromptTokens
                }
            }
        } catch {
            throw ResponseErrors.renamed(error, truncationAuto: turn.truncationAuto)
        }
        state.metrics.recordTokens(model: model.id, prompt: usage.inputTokens, completion: usage.outputTokens)
        accounting.setUsage(prompt: usage.inputTokens, completion: usage.outputTokens)
        _ = output.finish(
            incompleteReason: finish == .length ? "max_output_tokens" : nil, usage: usage, completedAt: ServingState.now)
        try await store(output.response)
        return (output.response.value, headers)
    }

    func startStream() async throws -> StreamStart {
        let (backend, plan, headers) = try await start()
        let model = backend.descriptor
        let timer = TokenTimer(model: model.id, metrics: state.metrics)
        let pending = PendingEvents(GenerationRunner.events(for: plan, on: backend))
        do {
            try await pending.prefetch()
        } catch {
            throw ResponseErrors.renamed(error, truncationAuto: turn.truncationAuto)
        }
        let metrics = state.metrics
        let accounting = admission.accounting
        let promptTokens = plan.promptTokenCount
        let work = self
        return StreamStart(headers: headers, sendsDone: false) { sse in
            var output = work.builder(model: model.id)
            func send(_ events: [JSONValue]) async throws {
                for event in events {
                    try await sse.write("event: \(event["type"]?.stringValue ?? "message")\n" + ServerSentEvents.event(event))
                }
            }
            try await send(output.start())
            var finish = FinishReason.stop
            var usage = ResponseUsage(inputTokens: promptTokens, cachedTokens: 0, outputTokens: 0)
            do {
                while let item = try await pending.next() {
                    switch item.event {
                    case .promptScored: break
                    case .token(let token):
                        timer.tokenArrived()
                        accounting.outputArrived()
                        usage.outputTokens += 1
                        accounting.setUsage(prompt: promptTokens, completion: usage.outputTokens)
                        try await send(output.text(token.text))
                    case .toolCall(let delta):
                        accounting.outputArrived()
                        try await send(output.toolCall(index: delta.index, callID: delta.id, name: delta.name, arguments: delta.arguments))
                    case .finished(let reason, let counts):
                        finish = reason
                        usage.outputTokens = counts.completionTokens
                        usage.cachedTokens = counts.cachedPromptTokens
                        accounting.setUsage(prompt: promptTokens, completion: usage.outputTokens)
                    }
                }
            } catch where !sse.failed && !(error is CancellationError) {
                // A failure once events went out: OpenAI's `error` and `response.failed` events.
                let mapped = ErrorMapping.openAIError(for: ResponseErrors.renamed(error, truncationAuto: work.turn.truncationAuto))
                await accounting.finish(status: mapped.status)
                try await send(output.fail(code: mapped.code ?? "server_error", message: mapped.message, param: mapped.param))
                try await work.store(output.response)
                return
            }
            metrics.recordTokens(model: model.id, prompt: usage.inputTokens, completion: usage.outputTokens)
            let closing = output.finish(
                incompleteReason: finish == .length ? "max_output_tokens" : nil, usage: usage, completedAt: ServingState.now)
            // Saved before `response.completed` goes out, so a client may chain on it at once.
            try await work.store(output.response)
            try await send(closing)
        }
    }

    /// Saves the turn when the request asked for it (`store`, the default).
    func store(_ response: ResponseObject) async throws {
        guard turn.store else { return }
        let record = StoredResponse(
            id: response.id, owner: owner, model: response.model, created: Date(timeIntervalSince1970: TimeInterval(created)),
            previousResponseID: turn.previousResponseID, inputItems: turn.input.map(\.resourceValue), body: response.value)
        try await state.accounts.responses.save(record)
    }
}

/// The chat pipeline names the fields it checks as chat completions have them; a Responses
/// client sent `input` and `text.format`.
enum ResponseErrors {
    static func renamed(_ error: any Error, truncationAuto: Bool) -> any Error {
        if error is CancellationError { return error }
        var mapped = ErrorMapping.openAIError(for: error)
        switch mapped.param {
        case "messages": mapped.param = truncationAuto && mapped.code == "context_length_exceeded" ? "truncation" : "input"
        case "response_format": mapped.param = "text.format"
        case "max_tokens": mapped.param = "max_output_tokens"
        default: break
        }
        if truncationAuto, mapped.code == "context_length_exceeded" {
            mapped.message += " With 'truncation': 'auto' every earlier item was dropped; the newest input alone does not fit."
        }
        return mapped
    }
}
