import NIOCore
import OpenAIWire

/// The quick way through for the ordinary chunk of a chat or completions stream: its text is
/// checked and the few fields that matter found without building a `JSONValue`, and it goes
/// on as the upstream's own bytes with only `model` renamed and a forced-on `"usage": null`
/// dropped, as the parsed path forwards it. Anything else (an error, a named event, usage
/// counts, a Responses API event, data over several lines, a repeated key, keys that cannot be
/// compared as bytes, text the parser would refuse) gets `nil` and takes the parsed path.
struct UpstreamChunkRelay: Sendable {
    /// The public model name as JSON text (quoted, escaped).
    let publicName: [UInt8]
    let wantsUsage: Bool

    init(publicName: String, wantsUsage: Bool) {
        var text = ""
        JSONValue.writeString(publicName, to: &text)
        self.publicName = Array(text.utf8)
        self.wantsUsage = wantsUsage
    }

    private struct Field {
        var key: Range<Int>
        var value: Range<Int>
    }

    /// The chunk to forward for an event's `data`, or `nil` when it needs the parsed path.
    func forward(_ data: String) -> UpstreamForwardedChunk? {
        var text = data
        return text.withUTF8 { bytes -> UpstreamForwardedChunk? in
            let scanner = JSONTextScanner(bytes)
            guard let first = bytes.firstIndex(where: { !Self.isSpace($0) }), bytes[first] == UInt8(ascii: "{"),
                !bytes.contains(0x0A), !bytes.contains(0x0D), scanner.isValid()
            else { return nil }
            var fields: [Field] = []
            fields.reserveCapacity(12)
            var plain = true
            scanner.forEachField(ofObjectAt: first) { key, value in
                // A repeated key: the parsed path keeps its last value and encodes the chunk again.
                if !Self.isPlainKey(bytes[key]) || fields.contains(where: { scanner.text($0.key, equals: UnsafeBufferPointer(rebasing: bytes[key])) }) { plain = false }
                fields.append(Field(key: key, value: value))
            }
            guard plain else { return nil }
            var model: Range<Int>?
            var usage: Int?
            var choices: Range<Int>?
            for (index, field) in fields.enumerated() {
                let name = bytes[(field.key.lowerBound + 1)..<(field.key.upperBound - 1)]
                if Self.named(name, "model") {
                    model = field.value
                } else if Self.named(name, "usage") {
                    usage = index
                } else if Self.named(name, "choices") {
                    choices = field.value
                } else if Self.named(name, "error") || Self.named(name, "type") || Self.named(name, "response") {
                    return nil
                }
            }
            var removed: Range<Int>?
            if let usage {
                // Counts (the usage chunk, or usage on every chunk) take the parsed path.
                guard scanner.text(fields[usage].value, equals: "null") else { return nil }
                if !wantsUsage {
                    // Cut as `JSONObjectText.remove` cuts it: after the previous value, else up to the next key.
                    removed =
                        if usage > 0 {
                            fields[usage - 1].value.upperBound..<fields[usage].value.upperBound
                        } else if fields.count > 1 {
                            fields[0].key.lowerBound..<fields[1].key.lowerBound
                        } else {
                            fields[0].key.lowerBound..<fields[0].value.upperBound
                        }
                }
            }
            var renamed: Range<Int>?
            if let model, !scanner.text(model, equals: publicName) {
                // A name written with escapes or beyond ASCII may still equal ours as a string.
                guard !bytes[model].contains(where: { $0 == UInt8(ascii: "\\") || $0 >= 0x80 }) else { return nil }
                renamed = model
            }
            var carriesOutput = false
            if let choices {
                guard let carries = Self.carriesOutput(scanner, choices: choices) else { return nil }
                carriesOutput = carries
            }
            return UpstreamForwardedChunk(data: data, renamed: renamed, removed: removed, publicName: publicName, carriesOutput: carriesOutput)
        }
    }

    /// Whether a choice holds generated text or a tool call, as `UpstreamRelayedEvent.carriesOutput`
    /// decides it for a parsed chunk; `nil` when a key it reads cannot be compared as bytes.
    private static func carriesOutput(_ scanner: JSONTextScanner, choices: Range<Int>) -> Bool? {
        let bytes = scanner.bytes
        guard bytes[choices.lowerBound] == UInt8(ascii: "[") else { return false }
        var carries = false
        var comparable = true
        /// The last value of each named key of the object at `start` (a parsed object keeps a
        /// repeated key's last value).
        func fields(ofObjectAt start: Int, _ first: StaticString, _ second: StaticString) -> (Range<Int>?, Range<Int>?) {
            var found: (Range<Int>?, Range<Int>?) = (nil, nil)
            scanner.forEachField(ofObjectAt: start) { key, value in
                guard isPlainKey(bytes[key]) else {
                    comparable = false
                    return
                }
                let name = bytes[(key.lowerBound + 1)..<(key.upperBound - 1)]
                if named(name, first) { found.0 = value } else if named(name, second) { found.1 = value }
            }
            return found
        }
        scanner.forEachElement(ofArrayAt: choices.lowerBound) { choice in
            guard bytes[choice.lowerBound] == UInt8(ascii: "{") else { return }
            let (text, delta) = fields(ofObjectAt: choice.lowerBound, "text", "delta")
            if let text, isNonEmptyString(bytes[text]) { carries = true }
            guard let delta, bytes[delta.lowerBound] == UInt8(ascii: "{") else { return }
            let (content, calls) = fields(ofObjectAt: delta.lowerBound, "content", "tool_calls")
            if let content, isNonEmptyString(bytes[content]) { carries = true }
            if let calls, bytes[calls.lowerBound] == UInt8(ascii: "["), bytes[calls].dropFirst().contains(where: { !isSpace($0) && $0 != UInt8(ascii: "]") }) {
                carries = true
            }
        }
        return comparable ? carries : nil
    }

    /// A string value's text with at least one character between its quotes.
    private static func isNonEmptyString(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        text.first == UInt8(ascii: "\"") && text.count > 2
    }

    /// A key (quotes included) whose bytes compare as its string does: ASCII, no escapes.
    private static func isPlainKey(_ key: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        !key.contains { $0 == UInt8(ascii: "\\") || $0 >= 0x80 }
    }

    /// Whether a key's name (quotes left out) is `name`: a byte comparison, the generic
    /// `elementsEqual` over a literal's UTF-8 view costs more than the rest of the scan.
    private static func named(_ key: Slice<UnsafeBufferPointer<UInt8>>, _ name: StaticString) -> Bool {
        guard key.count == name.utf8CodeUnitCount else { return false }
        return name.withUTF8Buffer { expected in
            var index = key.startIndex
            for byte in expected {
                if key.base[index] != byte { return false }
                index += 1
            }
            return true
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}

/// A chunk going on as the upstream's text: `data` with `renamed` (the model's value) replaced
/// by the public name and `removed` cut out.
public struct UpstreamForwardedChunk: Sendable {
    let data: String
    let renamed: Range<Int>?
    let removed: Range<Int>?
    let publicName: [UInt8]
    /// Whether it holds generated text or a tool call.
    let carriesOutput: Bool

    /// Appends `data: <chunk>\n\n`.
    func write(to buffer: inout ByteBuffer) {
        buffer.writeStaticString("data: ")
        writeJSON(to: &buffer)
        buffer.writeStaticString("\n\n")
    }

    /// The chunk as the client gets it, parsed (for consumers that read it as a value).
    var value: JSONValue {
        var buffer = ByteBuffer()
        writeJSON(to: &buffer)
        // The text was checked as the parser checks it, and the edits keep it an object.
        return (try? JSONValue.parse(buffer.readableBytesView)) ?? .object(JSONObject())
    }

    private func writeJSON(to buffer: inout ByteBuffer) {
        var data = data
        data.withUTF8 { bytes in
            // The edits never overlap: the text before the first, between them, after the last.
            let renameFirst = renamed.map { rename in removed.map { rename.lowerBound < $0.lowerBound } ?? true } ?? false
            var position = 0
            func skip(_ range: Range<Int>?, insertingName: Bool) {
                guard let range else { return }
                buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[position..<range.lowerBound])))
                if insertingName { buffer.writeBytes(publicName) }
                position = range.upperBound
            }
            if renameFirst {
                skip(renamed, insertingName: true)
                skip(removed, insertingName: false)
            } else {
                skip(removed, insertingName: false)
                skip(renamed, insertingName: true)
            }
            buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[position...])))
        }
    }
}
