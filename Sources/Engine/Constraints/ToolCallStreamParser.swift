import ConstrainedDecoding
import Foundation
import OpenAIWire

/// Splits a reply into content text and tool calls as it streams, for output written in a
/// `ToolCallFormat` (`<tool_call>\n{"name": "f", "arguments": {...}}\n</tool_call>` by default).
///
/// The grammar guarantees the calls' syntax, so parsing only has to find the boundaries:
/// text that might still turn out to be the start of a call, or the end of the arguments,
/// is held back until it is certain.
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
    private let headerStart: String
    private let argumentsMarker: String
    private let argumentsEnd: String
    private var makeID: @Sendable () -> String

    /// Whether any call began.
    var sawCalls: Bool { callIndex >= 0 }

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
                let name = String(quotedName.dropFirst().dropLast())
                callIndex += 1
                outputs.append(.call(ToolCallDelta(index: callIndex, id: makeID(), name: name, arguments: "")))
                pending = String(pending[marker.upperBound...])
                phase = .arguments
            case .arguments:
                if let end = pending.range(of: argumentsEnd) {
                    let fragment = String(pending[..<end.lowerBound])
                    if !fragment.isEmpty { outputs.append(.call(ToolCallDelta(index: callIndex, arguments: fragment))) }
                    pending = String(pending[end.upperBound...])
                    phase = .between
                } else {
                    let keep = Self.longestSuffix(of: pending, startingPrefixOf: argumentsEnd)
                    let release = String(pending.dropLast(keep))
                    if !release.isEmpty { outputs.append(.call(ToolCallDelta(index: callIndex, arguments: release))) }
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
        guard !pending.isEmpty else { return [] }
        switch phase {
        case .deciding, .text: return [.content(pending)]
        case .arguments: return [.call(ToolCallDelta(index: callIndex, arguments: pending))]
        case .header, .between: return []
        }
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
