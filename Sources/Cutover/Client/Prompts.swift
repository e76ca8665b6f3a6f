import OpenAIWire

/// Request bodies the kit sends, in one place so that smoke and probe agree.
enum Prompts {
    static func user(_ text: String) -> JSONValue {
        ["role": "user", "content": .string(text)]
    }

    static let weatherTool: JSONValue = [
        "type": "function",
        "function": [
            "name": "get_weather",
            "description": "Get the current weather for a city.",
            "parameters": [
                "type": "object",
                "properties": ["city": ["type": "string", "description": "City name"]],
                "required": ["city"],
            ],
        ],
    ]

    static let timeTool: JSONValue = [
        "type": "function",
        "function": [
            "name": "get_time",
            "description": "Get the current local time in a city.",
            "parameters": [
                "type": "object",
                "properties": ["city": ["type": "string"]],
                "required": ["city"],
            ],
        ],
    ]

    /// A tiny 1×1 PNG as a data URL, for the image content-part probe.
    static let pixelPNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="

    /// A simple chat body; `extra` entries are appended in order.
    static func chat(_ text: String, maxTokens: Int = 32, stream: Bool = false, extra: KeyValuePairs<String, JSONValue> = [:]) -> JSONValue {
        var object = JSONObject([
            "messages": [user(text)],
            "max_tokens": .int(maxTokens),
        ])
        if stream { object["stream"] = true }
        for (key, value) in extra { object[key] = value }
        return .object(object)
    }
}
