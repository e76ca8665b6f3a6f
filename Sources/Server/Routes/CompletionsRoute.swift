import Engine
import Fleet
import HTTPTypes
import Hummingbird
import OpenAIWire

/// `POST /v1/completions` (legacy): prompts as text or token ids, `echo`, `logprobs`, prompt scoring.
struct CompletionsRoute: Sendable {
    let state: ServingState

    func handle(_ request: Request, context: SwitchyardRequestContext) async throws -> Response {
        let bodyBytes = try await request.body.collect(upTo: state.configuration.maxBodyBytes)
        let object = try JSONObject(requestBody: bodyBytes.readableBytesView)
        let completion = try CompletionRequest(object)
        return try await CompletionEndpoint(state: state, path: "completions").serve(
            model: completion.model, options: completion.options, ignoredFields: completion.ignoredFields, body: bodyBytes,
            object: object, context: context
        ) { admission in
            LocalCompletion(state: state, admission: admission, completion: completion)
        }
    }
}

/// A legacy completion on an in-process backend, once its tier (if any) is awake.
struct LocalCompletion: LocalCompletionWork {
    let state: ServingState
    let admission: CompletionAdmission
    let completion: CompletionRequest

    private struct Started {
        var backend: any ModelBackend
        var plan: GenerationPlan
        var headers: HTTPFields
        var builders: [ChoiceBuilder]
        /// Where each choice index sits in `builders`.
        var position: [Int: Int]
    }

    /// Plans the request and waits for a generation slot.
    private func start() async throws -> Started {
        guard let backend = try admission.served.localBackend() else { throw FleetError.modelNotFound(completion.model) }
        let plan = try state.planner(for: admission.served).plan(completion, on: backend)
        // The text of each prompt's first token, which has no log-probability of its own.
        var firstTokens: [String] = []
        for tokens in plan.promptTokens {
            firstTokens.append(try tokens.first.map { try backend.detokenize([$0]) } ?? "")
        }
        let builders = plan.choices.map { choice in
            ChoiceBuilder(
                index: choice.index, promptIndex: choice.promptIndex, alternatives: completion.logprobs,
                firstPromptToken: firstTokens[choice.promptIndex])
        }
        let position = Dictionary(uniqueKeysWithValues: plan.choices.enumerated().map { ($0.element.index, $0.offset) })
        admission.accounting.setUsage(prompt: plan.promptTokenCount, completion: 0)
        admission.accounting.reserve(tokens: plan.reservedTokens)
        admission.accounting.adopt(try await admission.queue.acquire(client: admission.client))
        return Started(
            backend: backend, plan: plan, headers: ResponseHeaders.make(defaulted: plan.defaulted, ignored: completion.ignoredFields),
            builders: builders, position: position)
    }

    func complete() async throws -> (JSONValue, HTTPFields) {
        var started = try await start()
        let plan = started.plan
        let model = started.backend.descriptor
        let timer = TokenTimer(model: model.id, metrics: state.metrics)
        let accounting = admission.accounting
        var usage = Usage(promptTokens: plan.promptTokenCount)
        if completion.echo {
            for slot in started.builders.indices { started.builders[slot].text += plan.promptTexts[started.builders[slot].promptIndex] }
        }
        for try await item in GenerationRunner.events(for: plan, on: started.backend) {
            guard let slot = started.position[item.index] else { continue }
            switch item.event {
            case .promptScored(let scored):
                if completion.echo { started.builders[slot].addPromptLogprobs(scored) }
            case .token(let token):
                timer.tokenArrived()
                accounting.outputArrived()
                started.builders[slot].add(token)
            case .toolCall:
                break  // legacy completions offer no tools
            case .finished(let reason, let counts):
                started.builders[slot].finishReason = reason.rawValue
                usage.completionTokens += counts.completionTokens
                usage.cachedTokens = max(usage.cachedTokens, counts.cachedPromptTokens)
            }
        }
        state.metrics.recordTokens(model: model.id, prompt: usage.promptTokens, completion: usage.completionTokens)
        accounting.setUsage(prompt: usage.promptTokens, completion: usage.completionTokens)
        let response = Completion(
            id: "cmpl-" + RandomID.make(length: 29), created: ServingState.now, model: model.id,
            systemFingerprint: model.fingerprint, choices: started.builders.map { $0.choice() }, usage: usage)
        return (response.value, started.headers)
    }

    func startStream() async throws -> StreamStart {
        let started = try await start()
        let model = started.backend.descriptor
        let timer = TokenTimer(model: model.id, metrics: state.metrics)
        let events = GenerationRunner.events(for: started.plan, on: started.backend)
        let id = "cmpl-" + RandomID.make(length: 29)
        let created = ServingState.now
        let echo = completion.echo
        let alternatives = completion.logprobs
        let includeUsage = completion.options.includeUsage
        let promptTokens = started.plan.promptTokenCount
        let promptTexts = started.plan.promptTexts
        let position = started.position
        let metrics = state.metrics
        let accounting = admission.accounting
        return StreamStart(headers: started.headers) { [builders = started.builders] sse in
            var builders = builders
            func chunk(_ choices: [Completion.Choice], usage: Usage? = nil) -> JSONValue {
                Completion(id: id, created: created, model: model.id, systemFingerprint: model.fingerprint, choices: choices, usage: usage).value
            }
            if echo, alternatives == nil {
                for slot in builders.indices {
                    let text = promptTexts[builders[slot].promptIndex]
                    try await sse.send(chunk([.init(index: builders[slot].index, text: text, finishReason: nil)]))
                }
            }
            var usage = Usage(promptTokens: promptTokens)
            var completionTokens = CompletionTokenCount()
            for try await item in events {
                guard let slot = position[item.index] else { continue }
                switch item.event {
                case .promptScored(let scored):
                    guard echo else { continue }
                    let piece = builders[slot].piece { $0.echo(text: promptTexts[$0.promptIndex], scored: scored) }
                    try await sse.send(chunk([piece]))
                case .token(let token):
                    timer.tokenArrived()
                    accounting.outputArrived()
                    completionTokens.streamed(choice: item.index)
                    accounting.setUsage(prompt: promptTokens, completion: completionTokens.total)
                    let piece = builders[slot].piece { $0.add(token) }
                    guard !piece.text.isEmpty || piece.logprobs != nil else { continue }
                    try await sse.send(chunk([piece]))
                case .toolCall:
                    continue
                case .finished(let reason, let counts):
                    completionTokens.finished(choice: item.index, tokens: counts.completionTokens)
                    usage.completionTokens = completionTokens.total
                    accounting.setUsage(prompt: promptTokens, completion: completionTokens.total)
                    usage.cachedTokens = max(usage.cachedTokens, counts.cachedPromptTokens)
                    try await sse.send(chunk([.init(index: item.index, text: "", finishReason: reason.rawValue)]))
                }
            }
            metrics.recordTokens(model: model.id, prompt: usage.promptTokens, completion: usage.completionTokens)
            if includeUsage {
                try await sse.send(chunk([], usage: usage))
            }
        }
    }
}

/// Accumulates one legacy choice: its text and its logprobs arrays.
struct ChoiceBuilder: Sendable {
    let index: Int
    let promptIndex: Int
    /// `logprobs` as requested; `nil` reports none.
    let alternatives: Int?
    let firstPromptToken: String
    var text = ""
    var logprobs = CompletionLogprobs()
    var finishReason = "length"

    init(index: Int, promptIndex: Int, alternatives: Int?, firstPromptToken: String) {
        self.index = index
        self.promptIndex = promptIndex
        self.alternatives = alternatives
        self.firstPromptToken = firstPromptToken
    }

    /// Echoes the prompt text, or its scored tokens once they arrive (when logprobs are wanted).
    mutating func echo(text promptText: String, scored: [TokenLogprob?]?) {
        guard let alternatives else {
            text += promptText
            return
        }
        guard let scored else { return }
        text += promptText
        addPromptLogprobs(scored)
    }

    /// Prompt logprobs for the non-streamed path, where the echo text is already in place.
    mutating func addPromptLogprobs(_ scored: [TokenLogprob?]) {
        guard let alternatives else { return }
        for (position, entry) in scored.enumerated() {
            if let entry {
                logprobs.entries.append(CompletionLogprobs.Entry(entry, alternatives: alternatives))
            } else if position == 0 {
                logprobs.entries.append(CompletionLogprobs.Entry(token: firstPromptToken, logprob: nil, top: nil))
            }
        }
    }

    mutating func add(_ token: GeneratedToken) {
        text += token.text
        if let alternatives, let logprob = token.logprob {
            logprobs.entries.append(CompletionLogprobs.Entry(logprob, alternatives: alternatives))
        }
    }

    /// Applies `change` and returns what it added, as a stream chunk's choice (offsets continue).
    mutating func piece(_ change: (inout ChoiceBuilder) -> Void) -> Completion.Choice {
        let textStart = text.utf8.count
        let entryStart = logprobs.entries.count
        let offsetStart = logprobs.entries.reduce(0) { $0 + $1.token.unicodeScalars.count }
        change(&self)
        let added = String(decoding: text.utf8.dropFirst(textStart), as: UTF8.self)
        let entries = Array(logprobs.entries[entryStart...])
        let piece = alternatives == nil ? nil : CompletionLogprobs(entries: entries, startOffset: offsetStart)
        return Completion.Choice(index: index, text: added, logprobs: piece, finishReason: nil)
    }

    func choice() -> Completion.Choice {
        Completion.Choice(index: index, text: text, logprobs: alternatives == nil ? nil : logprobs, finishReason: finishReason)
    }
}
