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
        let completion = try CompletionRequest(body: bodyBytes.readableBytesView)
        try state.checkIgnored(completion.ignoredFields)
        let backend = try state.catalogue.backend(for: completion.model)
        let model = backend.descriptor
        context.outcome.model = model.id
        let plan = try state.planner.plan(completion, on: backend)
        let ticket = try await state.queue(for: model.id).acquire(client: state.client(context: context, user: completion.options.user))
        var headers = ResponseHeaders.make(defaulted: plan.defaulted, ignored: completion.ignoredFields)
        let id = "cmpl-" + RandomID.make(length: 29)
        let created = ServingState.now
        let timer = TokenTimer(model: model.id, metrics: state.metrics)
        let events = GenerationRunner.events(for: plan, on: backend)
        let echo = completion.echo
        let alternatives = completion.logprobs
        // The text of each prompt's first token, which has no log-probability of its own.
        var firstTokens: [String] = []
        for tokens in plan.promptTokens {
            firstTokens.append(try tokens.first.map { try backend.detokenize([$0]) } ?? "")
        }
        var builders = plan.choices.map { choice in
            ChoiceBuilder(
                index: choice.index, promptIndex: choice.promptIndex, alternatives: alternatives,
                firstPromptToken: firstTokens[choice.promptIndex])
        }
        let position = Dictionary(uniqueKeysWithValues: plan.choices.enumerated().map { ($0.element.index, $0.offset) })

        guard completion.options.stream else {
            defer { ticket.release() }
            var usage = Usage(promptTokens: plan.promptTokenCount)
            if echo {
                for slot in builders.indices { builders[slot].text += plan.promptTexts[builders[slot].promptIndex] }
            }
            for try await item in events {
                guard let slot = position[item.index] else { continue }
                switch item.event {
                case .promptScored(let scored):
                    if echo { builders[slot].addPromptLogprobs(scored) }
                case .token(let token):
                    timer.tokenArrived()
                    builders[slot].add(token)
                case .toolCall:
                    break  // legacy completions offer no tools
                case .finished(let reason, let counts):
                    builders[slot].finishReason = reason.rawValue
                    usage.completionTokens += counts.completionTokens
                    usage.cachedTokens = max(usage.cachedTokens, counts.cachedPromptTokens)
                }
            }
            state.metrics.recordTokens(model: model.id, prompt: usage.promptTokens, completion: usage.completionTokens)
            let response = Completion(
                id: id, created: created, model: model.id, systemFingerprint: model.fingerprint,
                choices: builders.map { $0.choice() }, usage: usage)
            return ResponseHeaders.json(response.value, headers: headers)
        }

        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let includeUsage = completion.options.includeUsage
        let promptTokens = plan.promptTokenCount
        let promptTexts = plan.promptTexts
        let metrics = state.metrics
        let body = ResponseBody { [builders] writer in
            defer { ticket.release() }
            var builders = builders
            var sse = SSEWriter(writer: writer)
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
            do {
                for try await item in events {
                    guard let slot = position[item.index] else { continue }
                    switch item.event {
                    case .promptScored(let scored):
                        guard echo else { continue }
                        let piece = builders[slot].piece { $0.echo(text: promptTexts[$0.promptIndex], scored: scored) }
                        try await sse.send(chunk([piece]))
                    case .token(let token):
                        timer.tokenArrived()
                        let piece = builders[slot].piece { $0.add(token) }
                        guard !piece.text.isEmpty || piece.logprobs != nil else { continue }
                        try await sse.send(chunk([piece]))
                    case .toolCall:
                        continue
                    case .finished(let reason, let counts):
                        usage.completionTokens += counts.completionTokens
                        usage.cachedTokens = max(usage.cachedTokens, counts.cachedPromptTokens)
                        try await sse.send(chunk([.init(index: item.index, text: "", finishReason: reason.rawValue)]))
                    }
                }
            } catch where !sse.failed {
                try await sse.send(ErrorMapping.openAIError(for: error).body)
                try await sse.finish()
                return
            }
            metrics.recordTokens(model: model.id, prompt: usage.promptTokens, completion: usage.completionTokens)
            if includeUsage {
                try await sse.send(chunk([], usage: usage))
            }
            try await sse.sendDone()
            try await sse.finish()
        }
        return Response(status: .ok, headers: headers, body: body)
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
        for (position, entry) in scored.enumerated() {
            if let entry {
                logprobs.entries.append(CompletionLogprobs.Entry(entry, alternatives: alternatives))
            } else if position == 0 {
                logprobs.entries.append(CompletionLogprobs.Entry(token: firstPromptToken, logprob: nil, top: nil))
            }
        }
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
