import Fleet
import Foundation
import HTTPTypes
import Hummingbird
import OpenAIWire

/// A Responses API turn for an upstream that serves only chat completions: the conversation
/// goes out as a chat completion (messages, tools, `text.format` as `response_format`), the
/// reply (streamed chunk by chunk) comes back as a response and its events, and Switchyard
/// keeps the stored chain itself.
struct UpstreamResponseBridge: Sendable {
    let state: ServingState
    let admission: CompletionAdmission
    let upstream: UpstreamBackend
    let turn: ResponseRequest
    let chat: ChatCompletionRequest
    let owner: String
    let responseID: String
    let created: Int

    /// The chat completion body the upstream gets.
    var chatBody: JSONObject {
        var body = JSONObject()
        body["model"] = .string(turn.model)
        body["messages"] = .array(
            chat.messages.map { message in
                // Chat's tool messages carry no `name` (strict servers refuse it).
                guard message.role == .tool, case .object(var object) = message.templateValue else { return message.templateValue }
                object["name"] = nil
                return .object(object)
            })
        let options = turn.options
        if let temperature = options.temperature { body["temperature"] = .double(temperature) }
        if let topP = options.topP { body["top_p"] = .double(topP) }
        if let maxTokens = options.maxTokens { body["max_tokens"] = .int(maxTokens) }
        if let seed = options.seed { body["seed"] = .int(seed) }
        if !options.stop.isEmpty { body["stop"] = .array(options.stop.map(JSONValue.string)) }
        if let user = options.user { body["user"] = .string(user) }
        if let tools = chat.tools {
            body["tools"] = tools
            body["tool_choice"] = chat.toolChoice ?? "auto"
            body["parallel_tool_calls"] = .bool(chat.parallelToolCalls)
        }
        switch turn.format {
        case .jsonObject: body["response_format"] = ["type": "json_object"]
        case .jsonSchema(let name, let schema, let strict):
            body["response_format"] = ["type": "json_schema", "json_schema": ["name": .string(name), "schema": schema, "strict": .bool(strict)]]
        case .text, nil: break
        }
        return body
    }

    private func builder() -> ResponseOutputBuilder {
        let response = ResponseObject(
            id: responseID, createdAt: created, status: .inProgress, model: admission.model.id, request: turn,
            temperature: turn.options.temperature ?? 1, topP: turn.options.topP ?? 1)
        return ResponseOutputBuilder(response: response) { prefix in "\(prefix)_" + RandomID.make(length: 24) }
    }

    func respond() async throws -> Response {
        let accounting = admission.accounting
        let requestID = accounting.requestID
        let metrics = state.metrics
        let model = admission.model.id
        let body = chatBody
        let work = self
        let start: @Sendable () async throws -> Void = {
            accounting.reserve(tokens: work.admission.estimatedTokens)
            accounting.adopt(try await work.admission.queue.acquire(client: work.admission.client))
        }
        let headers = ResponseHeaders.make(defaulted: [], ignored: turn.ignoredFields)
        return try await CompletionResponder(admission: admission).respond(
            stream: turn.options.stream,
            complete: {
                try await start()
                let reply = try await work.upstream.send(path: "chat/completions", body: body, stream: false, requestID: requestID)
                guard case .complete(let value, let upstreamUsage, _) = reply else {
                    throw FleetError.upstream(.serverError("The upstream answered a non-streamed request with a stream.", status: 502))
                }
                accounting.outputArrived()
                var output = work.builder()
                _ = output.start()
                let choice = value["choices"]?.arrayValue?.first
                if let content = choice?["message"]?["content"]?.stringValue { _ = output.text(content) }
                for (index, call) in (choice?["message"]?["tool_calls"]?.arrayValue ?? []).enumerated() {
                    _ = output.toolCall(
                        index: index, callID: call["id"]?.stringValue, name: call["function"]?["name"]?.stringValue,
                        arguments: call["function"]?["arguments"]?.stringValue ?? "")
                }
                let usage = Self.usage(upstreamUsage, details: value["usage"])
                accounting.setUsage(prompt: usage.inputTokens, completion: usage.outputTokens)
                metrics.recordTokens(model: model, prompt: usage.inputTokens, completion: usage.outputTokens)
                let finish = choice?["finish_reason"]?.stringValue
                _ = output.finish(
                    incompleteReason: finish == "length" ? "max_output_tokens" : nil, usage: usage, completedAt: ServingState.now)
                try await work.store(output.response)
                return (output.response.value, headers)
            },
            startStream: {
                try await start()
                let reply = try await work.upstream.send(path: "chat/completions", body: body, stream: true, requestID: requestID)
                guard case .stream(let events) = reply else {
                    throw FleetError.upstream(.serverError("The upstream answered a streamed request without a stream.", status: 502))
                }
                let timer = TokenTimer(model: model, metrics: metrics)
                return StreamStart(headers: headers, sendsDone: false) { sse in
                    var output = work.builder()
                    func send(_ events: [JSONValue]) async throws {
                        for event in events {
                            try await sse.write("event: \(event["type"]?.stringValue ?? "message")\n" + ServerSentEvents.event(event))
                        }
                    }
                    try await send(output.start())
                    var finish: String?
                    var usage: UpstreamUsage?
                    var details: JSONValue?
                    do {
                        for try await event in events {
                            switch event {
                            case .chunk(let chunk):
                                if let chunkUsage = chunk["usage"], !chunkUsage.isNull { details = chunkUsage }
                                guard let choice = chunk["choices"]?.arrayValue?.first else { continue }
                                if let reason = choice["finish_reason"]?.stringValue { finish = reason }
                                let delta = choice["delta"]
                                if let text = delta?["content"]?.stringValue, !text.isEmpty {
                                    timer.tokenArrived()
                                    accounting.outputArrived()
                                    try await send(output.text(text))
                                }
                                for call in delta?["tool_calls"]?.arrayValue ?? [] {
                                    accounting.outputArrived()
                                    try await send(
                                        output.toolCall(
                                            index: call["index"]?.intValue ?? 0, callID: call["id"]?.stringValue,
                                            name: call["function"]?["name"]?.stringValue,
                                            arguments: call["function"]?["arguments"]?.stringValue ?? ""))
                                }
                            case .usage(let reported):
                                usage = reported
                                accounting.setUsage(prompt: reported.promptTokens, completion: reported.completionTokens)
                            }
                        }
                    } catch where !sse.failed && !(error is CancellationError) {
                        let mapped = ErrorMapping.openAIError(for: error)
                        await accounting.finish(status: mapped.status)
                        try await send(output.fail(code: mapped.code ?? "server_error", message: mapped.message, param: mapped.param))
                        try await work.store(output.response)
                        return
                    }
                    let total = Self.usage(usage, details: details)
                    metrics.recordTokens(model: model, prompt: total.inputTokens, completion: total.outputTokens)
                    let closing = output.finish(
                        incompleteReason: finish == "length" ? "max_output_tokens" : nil, usage: total, completedAt: ServingState.now)
                    try await work.store(output.response)
                    try await send(closing)
                }
            })
    }

    /// The upstream's counts as a response's usage (`prompt_tokens_details.cached_tokens` kept).
    static func usage(_ usage: UpstreamUsage?, details: JSONValue?) -> ResponseUsage {
        ResponseUsage(
            inputTokens: usage?.promptTokens ?? 0, cachedTokens: details?["prompt_tokens_details"]?["cached_tokens"]?.intValue ?? 0,
            outputTokens: usage?.completionTokens ?? 0)
    }

    func store(_ response: ResponseObject) async throws {
        guard turn.store else { return }
        let record = StoredResponse(
            id: response.id, owner: owner, model: response.model, created: Date(timeIntervalSince1970: TimeInterval(created)),
            previousResponseID: turn.previousResponseID, inputItems: turn.input.map(\.resourceValue), body: response.value)
        try await state.accounts.responses.save(record)
    }
}
