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
        text.hasPrefix(callPrefix)
    }

    /// The calls in text produced under a tool-call grammar of this format; nil when the
    /// text is not a complete list of calls.
    public func parseCalls(_ text: String) -> [ParsedToolCall]? {
        guard text.hasPrefix(callPrefix), text.hasSuffix(callSuffix) else { return nil }
        let inner = text.dropFirst(callPrefix.count).dropLast(callSuffix.count)
        let pieces = inner.components(separatedBy: callSuffix + separator + callPrefix)
        var calls: [ParsedToolCall] = []
        for piece in pieces {
            guard let value = try? JSONValue.parse(piece),
                  let name = value[nameKey]?.stringValue,
                  let arguments = value[argumentsKey]
            else { return nil }
            calls.append(ParsedToolCall(name: name, arguments: arguments.jsonString))
        }
        return calls
    }
}
