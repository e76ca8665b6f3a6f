public import OpenAIWire

/// The start of a request's prompt, hashed: what `prefix_affinity` routes on.
///
/// The text is the request's messages rendered plainly (each message's role, then its text
/// parts), `prompt` for completions, `instructions` then `input` for responses; only the first
/// `length` characters count, so requests that share a system prompt and opening turns hash
/// alike whatever follows. FNV-1a over UTF-8 is stable across processes and replicas: every
/// gateway replica sends a prefix to the same target.
public struct PromptPrefix: Sendable, Equatable {
    public let hash: UInt64

    public init(hash: UInt64) {
        self.hash = hash
    }

    /// The prefix of `body`'s prompt, or `nil` when it has no prompt text.
    public init?(body: JSONObject, length: Int) {
        var renderer = Renderer(limit: max(length, 1))
        renderer.render(body)
        guard !renderer.text.isEmpty else { return nil }
        self.hash = Self.fnv1a(renderer.text.utf8)
    }

    static func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// Appends text until the limit is reached.
    private struct Renderer {
        let limit: Int
        var text = ""
        var count = 0

        var isFull: Bool { count >= limit }

        mutating func append(_ piece: String) {
            guard !isFull else { return }
            let room = limit - count
            let taken = piece.prefix(room)
            text += taken
            count += taken.count
        }

        mutating func render(_ body: JSONObject) {
            if let instructions = body["instructions"]?.stringValue { append("system\n\(instructions)\n") }
            if let messages = body["messages"]?.arrayValue {
                renderMessages(messages)
            } else if let input = body["input"] {
                if let text = input.stringValue { append("user\n\(text)\n") } else if let items = input.arrayValue { renderMessages(items) }
            } else if let prompt = body["prompt"] {
                if let text = prompt.stringValue { append(text) } else if let first = prompt.arrayValue?.first { append(first.stringValue ?? first.jsonString) }
            }
        }

        mutating func renderMessages(_ messages: [JSONValue]) {
            for message in messages where !isFull {
                append("\(message["role"]?.stringValue ?? message["type"]?.stringValue ?? "")\n")
                renderContent(message["content"])
                append("\n")
            }
        }

        mutating func renderContent(_ content: JSONValue?) {
            guard let content else { return }
            if let text = content.stringValue {
                append(text)
            } else if let parts = content.arrayValue {
                for part in parts where !isFull {
                    if let text = part["text"]?.stringValue ?? part.stringValue { append(text) }
                }
            }
        }
    }
}
