import ConstrainedDecoding
import Foundation
import OpenAIWire

/// Splits a reply into content text and tool calls as it streams, for output written in a
/// `ToolCallFormat` (`<tool_call>\n{"name": "f", "arguments": {...}}\n</tool_call>` by default).
///
/// The grammar guarantees the calls' syntax, so parsing only has to find the boundaries:
/// text that might still turn out to be the start of a call, or the end of the arguments,
/// is held back until it is certain.
///
/// The first call streams fragment by fragment. Later (parallel) calls are held until they are
/// complete: a small model offered `call ("\n" call)*` tends to repeat its last call forever, and
/// a call identical to an earlier one ends the reply instead of reaching the client
/// (`repeatedCall`).
struct ToolCallStreamParser: Sendable {
    enum Output: Equatable {
        case content(String)
        case call(ToolCallDelta)
    }

    private enum Phase {
        /// `auto`: not yet known whether the reply is text or calls.
        case deciding
        case text
        /// Waiting for a call's header (prefix and name).
        case header
        case arguments
        /// After a call: another one (separator + prefix) or the end.
        case between
    }

    private let format: ToolCallFormat
    private var phase: Phase
    private var pending = ""
    private var callIndex = -1
    /// Calls completed so far, to recognise a repeat.
    private var completedCalls: [(name: String, arguments: String)] = []
    /// The call being read: its name, id and the arguments read so far.
    private var currentName = ""
    private var currentID = ""
    private var currentArguments = ""
    private let headerStart: String
    private let argumentsMarker: String
    private let argumentsEnd: String
    private var makeID: @Sendable () -> String

    /// Whether any call began.
    var sawCalls: Bool { callIndex >= 0 }
    /// The model began repeating a call it already made: the reply should end here.
    private(set) var repeatedCall = false

    /// Calls after the first are held until complete (see the type's note).
    private var holdsCurrentCall: Bool { callIndex > 0 }

    init(format: ToolCallFormat, mode: ToolChoiceMode, makeID: @escaping @Sendable () -> String) {
        self.format = format
        phase = mode == .auto ? .deciding : .header
        self.makeID = makeID
        // The layout of `ToolCallFormat.callJSON`: {"<nameKey>": "<name>", "<argumentsKey>": <arguments>}
        var head = format.callPrefix + "{"
        JSONValue.writeString(format.nameKey, to: &head)
        headerStart = head + ": "
        var marker = ", "
        JSONValue.writeString(format.argumentsKey, to: &marker)
        argumentsMarker = marker + ": "
        argumentsEnd = "}" + format.callSuffix
    }

    mutating func feed(_ text: String) -> [Output] {
        pending += text
        var outputs: [Output] = []
        while true {
            switch phase {
            case .deciding:
                if pending.hasPrefix(format.callPrefix) {
                    phase = .header
                } else if format.callPrefix.hasPrefix(pending) {
                    return outputs
                } else {
                    phase = .text
                }
            case .text:
                if !pending.isEmpty { outputs.append(.content(pending)) }
                pending = ""
                return outputs
            case .header:
                guard pending.hasPrefix(headerStart), let marker = pending.range(of: argumentsMarker) else {
                    return outputs
                }
                let quotedName = pending[pending.index(pending.startIndex, offsetBy: headerStart.count)..<marker.lowerBound]
                currentName = String(quotedName.dropFirst().dropLast())
                currentID = makeID()
                currentArguments = ""
                callIndex += 1
                if !holdsCurrentCall {
                    outputs.append(.call(ToolCallDelta(index: callIndex, id: currentID, name: currentName, arguments: "")))
                }
                pending = String(pending[marker.upperBound...])
                phase = .arguments
            case .arguments:
                if let end = pending.range(of: argumentsEnd) {
                    outputs += argumentsRead(String(pending[..<end.lowerBound]))
                    pending = String(pending[end.upperBound...])
                    phase = .between
                    if completeCall() { outputs += heldCall() } else { return outputs }
                } else {
                    let keep = Self.longestSuffix(of: pending, startingPrefixOf: argumentsEnd)
                    outputs += argumentsRead(String(pending.dropLast(keep)))
                    pending = String(pending.suffix(keep))
                    return outputs
                }
            case .between:
                let next = format.separator + format.callPrefix
                if pending.hasPrefix(next) {
                    pending = String(pending.dropFirst(format.separator.count))
                    phase = .header
                } else {
                    return outputs
                }
            }
        }
    }

    /// Whatever is still held at the end of generation: text the model wrote that turned out
    /// not to be a call (as content), or a truncated call's last argument text.
    mutating func finish() -> [Output] {
        defer { pending = "" }
        switch phase {
        case .deciding, .text:
            return pending.isEmpty ? [] : [.content(pending)]
        case .arguments:
            // Cut off inside the closing "}\n</tool_call>": the arguments themselves are complete.
            var outputs = argumentsEnd.hasPrefix(pending) ? [] : argumentsRead(pending)
            if holdsCurrentCall { outputs = heldCall() }
            return outputs
        case .header, .between:
            return []
        }
    }

    /// Streams argument text of the first call; holds it for later calls.
    private mutating func argumentsRead(_ text: String) -> [Output] {
        currentArguments += text
        guard !holdsCurrentCall, !text.isEmpty else { return [] }
        return [.call(ToolCallDelta(index: callIndex, arguments: text))]
    }

    /// Records the finished call; false (and `repeatedCall` set) when it repeats an earlier one.
    private mutating func completeCall() -> Bool {
        if completedCalls.contains(where: { $0.name == currentName && $0.arguments == currentArguments }) {
            repeatedCall = true
            callIndex -= 1
            return false
        }
        completedCalls.append((currentName, currentArguments))
        return true
    }

    /// A held call, whole: its first fragment, then all of its arguments.
    private func heldCall() -> [Output] {
        guard holdsCurrentCall else { return [] }
        var outputs: [Output] = [.call(ToolCallDelta(index: callIndex, id: currentID, name: currentName, arguments: ""))]
        if !currentArguments.isEmpty { outputs.append(.call(ToolCallDelta(index: callIndex, arguments: currentArguments))) }
        return outputs
    }

    private static func longestSuffix(of text: String, startingPrefixOf marker: String) -> Int {
        var length = min(marker.count - 1, text.count)
        while length > 0 {
            if marker.hasPrefix(text.suffix(length)) { return length }
            length -= 1
        }
        return 0
    }
}
