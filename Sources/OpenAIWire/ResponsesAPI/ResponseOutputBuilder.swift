/// Turns a generation's text and tool-call pieces into a response's output items and the
/// stream events OpenAI sends for them (`response.output_item.added`, `…content_part.added`,
/// `…output_text.delta`, …), numbering every event. Streamed and non-streamed responses both
/// build their output with it; the latter drop the events.
public struct ResponseOutputBuilder: Sendable {
    /// The response as it stands; its `output` holds every item finished so far.
    public private(set) var response: ResponseObject
    private var sequence = 0
    private let makeID: @Sendable (String) -> String

    /// The item being written, not yet in `response.output`.
    private enum OpenItem {
        case message(id: String, text: String)
        case functionCall(id: String, callIndex: Int, callID: String, name: String, arguments: String)
    }

    private var open: OpenItem?

    /// - Parameter makeID: makes item ids from a prefix (`msg`, `fc`).
    public init(response: ResponseObject, makeID: @escaping @Sendable (String) -> String) {
        self.response = response
        self.makeID = makeID
    }

    /// `response.created` and `response.in_progress`.
    public mutating func start() -> [JSONValue] {
        response.status = .inProgress
        return [responseEvent("response.created"), responseEvent("response.in_progress")]
    }

    /// Output text: opens a message item (and its `output_text` part) when none is open.
    public mutating func text(_ delta: String) -> [JSONValue] {
        guard !delta.isEmpty else { return [] }
        var events: [JSONValue] = []
        if case .message(let id, let text) = open {
            open = .message(id: id, text: text + delta)
            events.append(textEvent("response.output_text.delta", id: id, JSONObject(["delta": .string(delta)])))
            return events
        }
        events += closeOpenItem(status: "completed")
        let id = makeID("msg")
        open = .message(id: id, text: delta)
        events.append(itemEvent("response.output_item.added", messageItem(id: id, texts: [], status: "in_progress")))
        events.append(textEvent("response.content_part.added", id: id, JSONObject(["part": ResponseItem.outputText("")])))
        events.append(textEvent("response.output_text.delta", id: id, JSONObject(["delta": .string(delta)])))
        return events
    }

    /// A piece of a tool call: the first piece of call `index` (with its id and name) opens a
    /// `function_call` item.
    public mutating func toolCall(index: Int, callID: String?, name: String?, arguments: String) -> [JSONValue] {
        var events: [JSONValue] = []
        if case .functionCall(let id, let callIndex, let openCallID, let openName, let sofar) = open, callIndex == index {
            open = .functionCall(
                id: id, callIndex: index, callID: callID ?? openCallID, name: name ?? openName, arguments: sofar + arguments)
            if !arguments.isEmpty {
                events.append(argumentsEvent("response.function_call_arguments.delta", id: id, JSONObject(["delta": .string(arguments)])))
            }
            return events
        }
        events += closeOpenItem(status: "completed")
        let id = makeID("fc")
        let call = callID ?? makeID("call")
        open = .functionCall(id: id, callIndex: index, callID: call, name: name ?? "", arguments: arguments)
        events.append(
            itemEvent("response.output_item.added", functionCallItem(id: id, callID: call, name: name ?? "", arguments: "", status: "in_progress")))
        if !arguments.isEmpty {
            events.append(argumentsEvent("response.function_call_arguments.delta", id: id, JSONObject(["delta": .string(arguments)])))
        }
        return events
    }

    /// Closes the open item and ends the response: `completed`, or `incomplete` with `reason`
    /// (`max_output_tokens`). Returns the closing events and `response.completed` / `.incomplete`.
    public mutating func finish(incompleteReason: String?, usage: ResponseUsage, completedAt: Int) -> [JSONValue] {
        var events = closeOpenItem(status: incompleteReason == nil ? "completed" : "incomplete")
        response.usage = usage
        if let incompleteReason {
            response.status = .incomplete
            response.incompleteReason = incompleteReason
            events.append(responseEvent("response.incomplete"))
        } else {
            response.status = .completed
            response.completedAt = completedAt
            events.append(responseEvent("response.completed"))
        }
        return events
    }

    /// Ends the response as `failed` with `error`: `error` and `response.failed` events.
    public mutating func fail(code: String, message: String, param: String?) -> [JSONValue] {
        var events = closeOpenItem(status: "incomplete")
        response.status = .failed
        response.error = (code: "server_error", message: message)
        events.append(
            numbered(JSONObject(["type": "error", "code": .string(code), "message": .string(message), "param": param.map(JSONValue.string) ?? .null])))
        events.append(responseEvent("response.failed"))
        return events
    }

    // MARK: - Items and events

    private mutating func closeOpenItem(status: String) -> [JSONValue] {
        guard let item = open else { return [] }
        open = nil
        switch item {
        case .message(let id, let text):
            let done = messageItem(id: id, texts: [text], status: status)
            var events = [
                textEvent("response.output_text.done", id: id, JSONObject(["text": .string(text)])),
                textEvent("response.content_part.done", id: id, JSONObject(["part": ResponseItem.outputText(text)])),
            ]
            events.append(itemEvent("response.output_item.done", done))
            response.output.append(done)
            return events
        case .functionCall(let id, _, let callID, let name, let arguments):
            let done = functionCallItem(id: id, callID: callID, name: name, arguments: arguments, status: status)
            var events = [argumentsEvent("response.function_call_arguments.done", id: id, JSONObject(["name": .string(name), "arguments": .string(arguments)]))]
            events.append(itemEvent("response.output_item.done", done))
            response.output.append(done)
            return events
        }
    }

    private func messageItem(id: String, texts: [String], status: String) -> JSONValue {
        [
            "id": .string(id), "type": "message", "status": .string(status), "role": "assistant",
            "content": .array(texts.map(ResponseItem.outputText)),
        ]
    }

    private func functionCallItem(id: String, callID: String, name: String, arguments: String, status: String) -> JSONValue {
        [
            "id": .string(id), "type": "function_call", "status": .string(status), "call_id": .string(callID),
            "name": .string(name), "arguments": .string(arguments),
        ]
    }

    /// The output index the open item has (or the next item will have).
    private var outputIndex: Int { response.output.count }

    private mutating func numbered(_ fields: JSONObject) -> JSONValue {
        var event = fields
        event["sequence_number"] = .int(sequence)
        sequence += 1
        return .object(event)
    }

    private mutating func responseEvent(_ type: String) -> JSONValue {
        numbered(JSONObject(["type": .string(type), "response": response.value]))
    }

    private mutating func itemEvent(_ type: String, _ item: JSONValue) -> JSONValue {
        numbered(JSONObject(["type": .string(type), "output_index": .int(outputIndex), "item": item]))
    }

    private mutating func textEvent(_ type: String, id: String, _ extra: JSONObject) -> JSONValue {
        var fields = JSONObject(["type": .string(type), "item_id": .string(id), "output_index": .int(outputIndex), "content_index": 0])
        for entry in extra { fields[entry.key] = entry.value }
        if type == "response.output_text.delta" || type == "response.output_text.done" { fields["logprobs"] = [] }
        return numbered(fields)
    }

    private mutating func argumentsEvent(_ type: String, id: String, _ extra: JSONObject) -> JSONValue {
        var fields = JSONObject(["type": .string(type), "item_id": .string(id), "output_index": .int(outputIndex)])
        for entry in extra { fields[entry.key] = entry.value }
        return numbered(fields)
    }
}
