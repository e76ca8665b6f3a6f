import OpenAIWire

/// Folds a chat completion response (a whole body or stream chunks) into a `ChatOutcome`,
/// checking the wire contract as it goes.
struct ChatAccumulator {
    var outcome = ChatOutcome()
    private var streamID: String?
    private var streamCreated: JSONValue?
    private var streamModel: String?
    private var chunkIndex = 0
    private var sawDone = false
    private var lastContentTime: Double?
    private var toolCallsByIndex: [Int: ToolCallRecord] = [:]

    /// Reads a non-streamed response body.
    mutating func readBody(_ text: String, elapsed: Double) {
        outcome.totalLatency = elapsed
        outcome.timeToFirstToken = elapsed
        guard outcome.status == 200 else {
            outcome.error = APIErrorInfo(status: outcome.status, body: text)
            return
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(text)
        } catch {
            note("response body is not JSON (\(error)): '\(excerpt(text))'")
            return
        }
        outcome.body = json
        if json["error"] != nil {
            outcome.error = APIErrorInfo(status: outcome.status, json: json, bodyExcerpt: excerpt(text, limit: 300))
            return
        }
        outcome.usage = TokenUsage(json["usage"])
        guard let choices = json["choices"]?.arrayValue else {
            note("response has no \"choices\" array")
            return
        }
        if choices.isEmpty { note("response has an empty \"choices\" array") }
        for (position, choice) in choices.enumerated() {
            let index = choice["index"]?.intValue ?? position
            guard let message = choice["message"], message.objectValue != nil else {
                note("choice \(index) has no \"message\" object")
                continue
            }
            switch message["content"] {
            case .string(let content)?: outcome.choiceTexts[index] = content
            case .null?, nil: outcome.choiceTexts[index] = ""
            case .array(let parts)?:
                outcome.choiceTexts[index] = parts.compactMap { $0["text"]?.stringValue }.joined()
            case let other?:
                note("choice \(index) message.content is \(other.typeName)")
                outcome.choiceTexts[index] = ""
            }
            readLogprobs(choice["logprobs"])
            if index == 0 {
                outcome.finishReason = choice["finish_reason"]?.stringValue
                for (callPosition, call) in (message["tool_calls"]?.arrayValue ?? []).enumerated() {
                    let arguments: String
                    switch call["function"]?["arguments"] {
                    case .string(let value)?: arguments = value
                    case let other?:
                        note("tool call \(callPosition) arguments are \(other.typeName), not a JSON string")
                        arguments = other.jsonString
                    case nil: arguments = ""
                    }
                    outcome.toolCalls.append(ToolCallRecord(
                        index: callPosition, id: call["id"]?.stringValue,
                        name: call["function"]?["name"]?.stringValue, arguments: arguments))
                }
            }
        }
    }

    /// Reads one SSE `data` payload that arrived `time` seconds after the request was sent.
    mutating func readEvent(_ payload: String, time: Double) {
        outcome.totalLatency = time
        if payload == "[DONE]" {
            if sawDone { noteEnvelope("more than one [DONE]") }
            sawDone = true
            return
        }
        if sawDone { noteEnvelope("data after [DONE]") }
        chunkIndex += 1
        let json: JSONValue
        do {
            json = try JSONValue.parse(payload)
        } catch {
            note("chunk \(chunkIndex) is not JSON (\(error)): '\(excerpt(payload))'")
            return
        }
        if json["error"] != nil {
            outcome.error = APIErrorInfo(status: outcome.status, json: json, bodyExcerpt: excerpt(payload, limit: 300))
            return
        }
        checkIdentity(json)
        if let usage = TokenUsage(json["usage"]) {
            outcome.usage = usage
            outcome.usageChunkSeen = true
            switch json["choices"] {
            case .array(let choices)? where choices.isEmpty: break
            case .array?: noteEnvelope("usage rides on a chunk with choices (OpenAI sends it in its own chunk with \"choices\": [])")
            case .null?: noteEnvelope("usage chunk has \"choices\": null (OpenAI sends [])")
            case nil: noteEnvelope("usage chunk has no \"choices\" (OpenAI sends [])")
            default: noteEnvelope("usage chunk has \"choices\" that is not an array")
            }
        }
        guard let choices = json["choices"]?.arrayValue else {
            if json["usage"] == nil { note("chunk \(chunkIndex) has no \"choices\" array") }
            return
        }
        var carriedContent = false
        for (position, choice) in choices.enumerated() {
            let index = choice["index"]?.intValue ?? position
            let delta = choice["delta"]
            if delta == nil || delta?.objectValue == nil {
                note("chunk \(chunkIndex) choice \(index) has no \"delta\" object")
            }
            if let content = delta?["content"]?.stringValue {
                outcome.choiceTexts[index, default: ""] += content
                if !content.isEmpty { carriedContent = true }
            } else if outcome.choiceTexts[index] == nil {
                outcome.choiceTexts[index] = ""
            }
            readLogprobs(choice["logprobs"])
            if let reason = choice["finish_reason"]?.stringValue, index == 0 { outcome.finishReason = reason }
            if index == 0, let calls = delta?["tool_calls"]?.arrayValue {
                for call in calls where readToolDelta(call) { carriedContent = true }
            }
        }
        if carriedContent {
            outcome.contentChunks += 1
            if outcome.timeToFirstToken == nil { outcome.timeToFirstToken = time }
            if let last = lastContentTime { outcome.interTokenLatencies.append(time - last) }
            lastContentTime = time
        }
    }

    /// Call when the stream ended; `parserProblems` come from the SSE reader.
    mutating func finishStream(parserProblems: [String]) {
        for problem in parserProblems { note(problem) }
        if !sawDone && outcome.error == nil && outcome.transportFailure == nil { noteEnvelope("stream ended without data: [DONE]") }
        outcome.toolCalls = toolCallsByIndex.keys.sorted().compactMap { toolCallsByIndex[$0] }
        for call in outcome.toolCalls where call.parsedArguments == nil {
            note("tool call \(call.index) arguments do not form a JSON object: '\(excerpt(call.arguments))'")
        }
    }

    /// Chunks read so far (not counting `[DONE]`).
    var chunksRead: Int { chunkIndex }

    mutating func note(_ problem: String) {
        if outcome.problems.count < 12 { outcome.problems.append(problem) }
    }

    /// Records an envelope deviation once, however many chunks repeat it.
    mutating func noteEnvelope(_ problem: String) {
        if outcome.envelopeProblems.count < 12 && !outcome.envelopeProblems.contains(problem) {
            outcome.envelopeProblems.append(problem)
        }
    }

    private mutating func readLogprobs(_ logprobs: JSONValue?) {
        guard let content = logprobs?["content"]?.arrayValue, !content.isEmpty else { return }
        outcome.logprobsSeen = true
        for token in content {
            outcome.topLogprobsCount = max(outcome.topLogprobsCount, token["top_logprobs"]?.arrayValue?.count ?? 0)
        }
    }

    /// Returns whether the fragment carried arguments or a name.
    private mutating func readToolDelta(_ call: JSONValue) -> Bool {
        guard let index = call["index"]?.intValue else {
            note("tool-call delta without \"index\"")
            return false
        }
        let name = call["function"]?["name"]?.stringValue
        let fragment = call["function"]?["arguments"]?.stringValue ?? ""
        if var existing = toolCallsByIndex[index] {
            if let id = call["id"]?.stringValue, existing.id != nil, id != existing.id {
                note("tool call \(index) changed id mid-stream")
            }
            if let name, existing.name != nil, !name.isEmpty, name != existing.name {
                note("tool call \(index) repeated its name in a later fragment")
            }
            existing.arguments += fragment
            toolCallsByIndex[index] = existing
        } else {
            if call["id"]?.stringValue == nil { note("first fragment of tool call \(index) has no id") }
            if name == nil { note("first fragment of tool call \(index) has no function.name") }
            if call["type"]?.stringValue == nil { note("first fragment of tool call \(index) has no type") }
            toolCallsByIndex[index] = ToolCallRecord(index: index, id: call["id"]?.stringValue, name: name, arguments: fragment)
        }
        return name != nil || !fragment.isEmpty
    }

    /// OpenAI repeats the first chunk's id, created and model on every chunk; a change is noted
    /// once per field, with the first chunk where it happened.
    private mutating func checkIdentity(_ json: JSONValue) {
        let id = json["id"]?.stringValue
        let model = json["model"]?.stringValue
        if chunkIndex == 1 {
            streamID = id
            streamCreated = json["created"]
            streamModel = model
            if id == nil { noteEnvelope("chunk 1 has no string \"id\"") }
            return
        }
        if let id, let streamID, id != streamID, !envelopeMentions("\"id\"") {
            noteEnvelope("\"id\" changes between chunks (chunk \(chunkIndex): '\(id)', chunk 1: '\(streamID)')")
        }
        if let created = json["created"], let streamCreated, created != streamCreated, !envelopeMentions("\"created\"") {
            noteEnvelope("\"created\" changes between chunks (chunk \(chunkIndex): \(created.jsonString), chunk 1: \(streamCreated.jsonString))")
        }
        if let model, let streamModel, model != streamModel, !envelopeMentions("\"model\"") {
            noteEnvelope("\"model\" changes between chunks (chunk \(chunkIndex): '\(model)', chunk 1: '\(streamModel)')")
        }
    }

    private func envelopeMentions(_ field: String) -> Bool {
        outcome.envelopeProblems.contains { $0.hasPrefix(field) }
    }
}

extension ChatOutcome {
    /// Reads a streamed response from its SSE `data` payloads, each with its arrival time in
    /// seconds after the request was sent. The transport is the caller's.
    public static func reading(streamPayloads payloads: [(payload: String, time: Double)], status: Int = 200, parserProblems: [String] = []) -> ChatOutcome {
        var accumulator = ChatAccumulator()
        accumulator.outcome.status = status
        accumulator.outcome.streamed = true
        for item in payloads { accumulator.readEvent(item.payload, time: item.time) }
        accumulator.finishStream(parserProblems: parserProblems)
        return accumulator.outcome
    }

    /// Reads a whole (non-streamed) response body that took `elapsed` seconds.
    public static func reading(body: String, status: Int = 200, elapsed: Double = 0) -> ChatOutcome {
        var accumulator = ChatAccumulator()
        accumulator.outcome.status = status
        accumulator.readBody(body, elapsed: elapsed)
        return accumulator.outcome
    }
}
