import Foundation
import OpenAIWire

/// Splits a reply into content text and tool calls as it streams, for output written in a
/// `ToolCallFormat`: Hermes/Qwen `<tool_call>\n{"name": "f", "arguments": {...}}\n</tool_call>`,
/// Llama 3.x `{"name": "f", "parameters": {...}}`.
///
/// The grammar guarantees the calls' syntax, so parsing only has to find the boundaries:
/// text that might still turn out to be the start of a call is held back until it is certain,
/// and the arguments' end is found by counting brackets outside strings (a `}` inside them
/// never ends a call). Text that turns out not to be a call (possible only without a grammar)
/// is passed on as content, none of it lost.
///
/// A reasoning block at the start (`<think>...</think>`, where the format has one) and the
/// whitespace after it pass through as content; calls or text follow it as they would at the start.
///
/// The first call streams fragment by fragment. Later (parallel) calls are held until they are
/// complete: a small model offered `call ("\n" call)*` tends to repeat its last call forever, and
/// a call identical to an earlier one ends the reply instead of reaching the client
/// (`repeatedCall`).
public struct ToolCallStreamParser: Sendable {
    public enum Output: Equatable, Sendable {
        case content(String)
        case call(ToolCallFragment)
    }

    private enum Phase: Equatable {
        /// `auto`: not yet known whether the reply is text or calls.
        case deciding
        case text
        /// Waiting for a call's header (prefix and name, up to the arguments).
        case header
        case arguments
        /// After the arguments: the call object's `}` and the format's suffix.
        case closing
        /// After a call: another one (separator + prefix) or the end.
        case between
        /// Inside the reasoning block, then in the whitespace after it; `resume` comes next.
        case reasoning(resume: Resume)
        case afterReasoning(resume: Resume)
    }

    /// Where reading goes on after a reasoning block.
    private enum Resume: Equatable {
        case deciding
        case header
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
    private var scanner = JSONValueEndScanner()
    /// The separator dropped before the header being read, given back if it is no call.
    private var droppedSeparator = ""
    private let argumentsMarker: String
    private let callEnd: String
    private let makeID: @Sendable () -> String
    /// Whether the reply may still open with a reasoning block.
    private var reasoningMayOpen: Bool

    /// Whether any call began.
    public var sawCalls: Bool { callIndex >= 0 }
    /// The model began repeating a call it already made: the reply should end here.
    public private(set) var repeatedCall = false

    /// Whether the text so far ends exactly after a complete call.
    public var isBetweenCalls: Bool { phase == .between && pending.isEmpty && !repeatedCall }

    /// Calls after the first are held until complete (see the type's note).
    private var holdsCurrentCall: Bool { callIndex > 0 }

    public init(format: ToolCallFormat, mode: ToolChoiceMode, makeID: @escaping @Sendable () -> String) {
        self.format = format
        phase = mode == .auto ? .deciding : .header
        self.makeID = makeID
        reasoningMayOpen = format.reasoning != nil
        // The layout of `ToolCallFormat.callJSON`: {"<nameKey>": "<name>", "<argumentsKey>": <arguments>}
        var marker = ", "
        JSONValue.writeString(format.argumentsKey, to: &marker)
        argumentsMarker = marker + ": "
        callEnd = "}" + format.callSuffix
    }

    public mutating func feed(_ text: String) -> [Output] {
        pending += text
        var outputs: [Output] = []
        while !repeatedCall {
            switch phase {
            case .deciding where reasoningMayOpen, .header where reasoningMayOpen:
                guard let open = format.reasoning?.open else { reasoningMayOpen = false; continue }
                let resume: Resume = phase == .header ? .header : .deciding
                if pending.hasPrefix(open) {
                    outputs.append(.content(open))
                    pending = String(pending.dropFirst(open.count))
                    phase = .reasoning(resume: resume)
                    reasoningMayOpen = false
                } else if open.hasPrefix(pending) {
                    return outputs
                } else {
                    reasoningMayOpen = false
                }
            case .reasoning(let resume):
                guard let close = format.reasoning?.close else { phase = .text; continue }
                if let range = pending.range(of: close) {
                    outputs.append(.content(String(pending[..<range.upperBound])))
                    pending = String(pending[range.upperBound...])
                    phase = .afterReasoning(resume: resume)
                } else {
                    let keep = Self.longestSuffix(of: pending, startingPrefixOf: close)
                    let text = String(pending.dropLast(keep))
                    if !text.isEmpty { outputs.append(.content(text)) }
                    pending = String(pending.suffix(keep))
                    return outputs
                }
            case .afterReasoning(let resume):
                let whitespace = pending.prefix { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == "\r\n" }
                if !whitespace.isEmpty { outputs.append(.content(String(whitespace))) }
                pending = String(pending.dropFirst(whitespace.count))
                if pending.isEmpty { return outputs }
                phase = resume == .header ? .header : .deciding
            case .deciding:
                let marker = format.callMarker
                if pending.hasPrefix(marker) {
                    phase = .header
                } else if marker.hasPrefix(pending) {
                    return outputs
                } else {
                    phase = .text
                }
            case .text:
                if !pending.isEmpty { outputs.append(.content(pending)) }
                pending = ""
                return outputs
            case .header:
                switch readHeader() {
                case .incomplete:
                    return outputs
                case .notACall:
                    pending = droppedSeparator + pending
                    droppedSeparator = ""
                    phase = .text
                case .call(let name, let rest):
                    droppedSeparator = ""
                    currentName = name
                    currentID = makeID()
                    currentArguments = ""
                    scanner = JSONValueEndScanner()
                    callIndex += 1
                    if !holdsCurrentCall {
                        outputs.append(.call(ToolCallFragment(index: callIndex, id: currentID, name: currentName, arguments: "")))
                    }
                    pending = rest
                    phase = .arguments
                }
            case .arguments:
                var read = ""
                var rest: String?
                var scalars = pending.unicodeScalars[...]
                while let scalar = scalars.first {
                    let step = scanner.consume(scalar)
                    if step == .endedBefore {
                        rest = String(scalars)
                        break
                    }
                    read.unicodeScalars.append(scalar)
                    scalars = scalars.dropFirst()
                    if step == .endedAfter {
                        rest = String(scalars)
                        break
                    }
                }
                outputs += argumentsRead(read)
                guard let rest else {
                    pending = ""
                    return outputs
                }
                pending = rest
                phase = .closing
            case .closing:
                if pending.hasPrefix(callEnd) {
                    pending = String(pending.dropFirst(callEnd.count))
                    phase = .between
                    if completeCall() { outputs += heldCall() } else { return outputs }
                } else if callEnd.hasPrefix(pending) {
                    return outputs
                } else {
                    // Not the format's ending: the call stands as read (with the object's `}`
                    // if there is one), what follows is text.
                    if pending.hasPrefix("}") { pending.removeFirst() }
                    if completeCall() { outputs += heldCall() } else { return outputs }
                    phase = .text
                }
            case .between:
                guard format.allowsParallel else {
                    // One call per turn: whatever follows it is text.
                    if pending.isEmpty { return outputs }
                    phase = .text
                    continue
                }
                let next = format.separator + format.callPrefix
                if pending.hasPrefix(next) {
                    droppedSeparator = format.separator
                    pending = String(pending.dropFirst(format.separator.count))
                    phase = .header
                } else if next.hasPrefix(pending) {
                    return outputs
                } else {
                    phase = .text
                }
            }
        }
        return outputs
    }

    /// Whatever is still held at the end of generation: text the model wrote that turned out
    /// not to be a call (as content), or a truncated call's last argument text.
    public mutating func finish() -> [Output] {
        defer { pending = "" }
        if repeatedCall { return [] }
        switch phase {
        case .deciding, .text, .between, .reasoning, .afterReasoning:
            return pending.isEmpty ? [] : [.content(pending)]
        case .header:
            let text = droppedSeparator + pending
            return text.isEmpty ? [] : [.content(text)]
        case .arguments:
            return holdsCurrentCall ? heldCall() : []
        case .closing:
            // Cut off inside the closing `}` and suffix: the arguments themselves are complete.
            return completeCall() ? heldCall() : []
        }
    }

    private enum Header {
        case incomplete
        case notACall
        /// The function name, and the text after the arguments key.
        case call(String, rest: String)
    }

    /// Reads `<prefix>{"name": "<name>", "arguments": ` from the pending text.
    private func readHeader() -> Header {
        let start = format.headerStart
        guard pending.hasPrefix(start) else {
            return start.hasPrefix(pending) ? .incomplete : .notACall
        }
        let afterStart = pending.unicodeScalars.dropFirst(start.unicodeScalars.count)
        guard let quote = afterStart.first else { return .incomplete }
        guard quote == "\"" else { return .notACall }
        var escaped = false
        var index = afterStart.index(after: afterStart.startIndex)
        while index < afterStart.endIndex {
            let scalar = afterStart[index]
            if escaped {
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == "\"" {
                break
            }
            index = afterStart.index(after: index)
        }
        guard index < afterStart.endIndex else { return .incomplete }
        let quoted = String(afterStart[afterStart.startIndex...index])
        let rest = String(afterStart[afterStart.index(after: index)...])
        guard rest.hasPrefix(argumentsMarker) else {
            return argumentsMarker.hasPrefix(rest) ? .incomplete : .notACall
        }
        guard let name = (try? JSONValue.parse(quoted))?.stringValue else { return .notACall }
        return .call(name, rest: String(rest.dropFirst(argumentsMarker.count)))
    }

    /// Streams argument text of the first call; holds it for later calls.
    private mutating func argumentsRead(_ text: String) -> [Output] {
        currentArguments += text
        guard !holdsCurrentCall, !text.isEmpty else { return [] }
        return [.call(ToolCallFragment(index: callIndex, arguments: text))]
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
        var outputs: [Output] = [.call(ToolCallFragment(index: callIndex, id: currentID, name: currentName, arguments: ""))]
        if !currentArguments.isEmpty { outputs.append(.call(ToolCallFragment(index: callIndex, arguments: currentArguments))) }
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
