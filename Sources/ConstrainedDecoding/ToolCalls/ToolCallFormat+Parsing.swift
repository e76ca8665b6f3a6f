import Foundation
import OpenAIWire

/// One tool call read back from generated text.
public struct ParsedToolCall: Sendable, Equatable {
    public var name: String
    /// The arguments object as compact JSON text (the `function.arguments` string).
    public var arguments: String

    public init(name: String, arguments: String) {
        self.name = name
        self.arguments = arguments
    }
}

extension ToolCallFormat {
    /// Whether generated text has begun a tool call (in `auto` mode: the model chose calls).
    public func beginsToolCall(_ text: String) -> Bool {
        text.hasPrefix(callMarker)
    }

    /// The calls in text produced under a tool-call grammar of this format, read as the
    /// stream parser reads them; nil when the text is not a complete list of calls.
    public func parseCalls(_ text: String) -> [ParsedToolCall]? {
        var parser = ToolCallStreamParser(format: self, mode: .required, makeID: { "" })
        let outputs = parser.feed(text)
        guard parser.isBetweenCalls else { return nil }
        var calls: [ParsedToolCall] = []
        for output in outputs {
            guard case .call(let fragment) = output else { return nil }
            if let name = fragment.name {
                calls.append(ParsedToolCall(name: name, arguments: ""))
            }
            guard !calls.isEmpty else { return nil }
            calls[calls.count - 1].arguments += fragment.arguments
        }
        for index in calls.indices {
            guard let arguments = try? JSONValue.parse(calls[index].arguments) else { return nil }
            calls[index].arguments = arguments.jsonString
        }
        return calls
    }
}
