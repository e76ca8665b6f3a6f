import OpenAIWire

/// A Responses API event stream read whole: the events in order, the text the deltas add up
/// to, and how the stream departs from OpenAI's (first event `response.created`, increasing
/// `sequence_number`s, deltas equal to the `.done` text and the final response's text, a
/// terminal `response.completed`, `.incomplete` or `.failed`).
struct ResponseStreamReading: Sendable {
    var eventCount = 0
    var deltaCount = 0
    var deltaText = ""
    var terminalType: String?
    var problems: [String] = []

    static let terminalTypes: Set<String> = ["response.completed", "response.incomplete", "response.failed"]

    init(body: String) {
        var parser = SSEParser()
        let payloads = parser.feed(Array(body.utf8)) + parser.finish()
        problems += parser.problems
        var doneText: String?
        var finalText: String?
        var lastSequence: Int?
        for payload in payloads where payload != "[DONE]" {
            guard let event = try? JSONValue.parse(payload), let type = event["type"]?.stringValue else {
                note("an event that is not a JSON object with a type: '\(excerpt(payload, limit: 40))'")
                continue
            }
            eventCount += 1
            if eventCount == 1 && type != "response.created" { note("first event is \(type), not response.created") }
            if terminalType != nil { note("\(type) after the terminal \(terminalType ?? "")") }
            if let sequence = event["sequence_number"]?.intValue {
                if let lastSequence, sequence <= lastSequence { note("sequence_number \(sequence) after \(lastSequence)") }
                lastSequence = sequence
            } else {
                note("\(type) without a sequence_number")
            }
            switch type {
            case "response.output_text.delta":
                deltaCount += 1
                deltaText += event["delta"]?.stringValue ?? ""
            case "response.output_text.done":
                doneText = (doneText ?? "") + (event["text"]?.stringValue ?? "")
            case _ where Self.terminalTypes.contains(type):
                terminalType = type
                if let response = event["response"] { finalText = ResponseObjectReading(response).outputText }
            default:
                break
            }
        }
        if eventCount == 0 { note("no events") }
        if terminalType == nil && eventCount > 0 { note("no response.completed, .incomplete or .failed at the end") }
        if deltaCount == 0 && terminalType == "response.completed" { note("no response.output_text.delta events") }
        if let doneText, doneText != deltaText {
            note("deltas add up to '\(excerpt(deltaText, limit: 30))' but output_text.done says '\(excerpt(doneText, limit: 30))'")
        }
        if let finalText, finalText != deltaText {
            note("deltas add up to '\(excerpt(deltaText, limit: 30))' but the final response says '\(excerpt(finalText, limit: 30))'")
        }
    }

    private mutating func note(_ problem: String) {
        if problems.count < 6 { problems.append(problem) }
    }
}
