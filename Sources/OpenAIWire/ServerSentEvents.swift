/// Server-sent event framing as OpenAI streams use it.
public enum ServerSentEvents {
    /// `data: <json>\n\n`.
    public static func event(_ value: JSONValue) -> String {
        "data: \(value.jsonString)\n\n"
    }

    /// The stream's last event.
    public static let done = "data: [DONE]\n\n"

    /// A comment line, which clients ignore: a keep-alive.
    public static func comment(_ text: String) -> String {
        ": \(text)\n\n"
    }

    /// Splits a stream's text into the `data:` payloads of its events, skipping comments.
    public static func payloads(in text: String) -> [String] {
        var payloads: [String] = []
        var data: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty {
                if !data.isEmpty { payloads.append(data.joined(separator: "\n")) }
                data = []
            } else if line.hasPrefix("data:") {
                let payload = line.dropFirst(5)
                data.append(String(payload.hasPrefix(" ") ? payload.dropFirst() : payload))
            }
        }
        if !data.isEmpty { payloads.append(data.joined(separator: "\n")) }
        return payloads
    }
}
