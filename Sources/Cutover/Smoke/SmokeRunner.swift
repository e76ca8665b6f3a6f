import OpenAIWire

/// Runs the three smoke checks against one endpoint: a completion, a streamed completion
/// and a tool call, each passing or failing with the reason.
public struct SmokeRunner: Sendable {
    public var client: OpenAIClient
    public var endpoint: Endpoint

    public init(client: OpenAIClient, endpoint: Endpoint) {
        self.client = client
        self.endpoint = endpoint
    }

    /// Runs the checks in order. Throws only when the endpoint cannot be reached at all.
    public func run(progress: ProgressHandler? = nil) async throws(CutoverError) -> SmokeReport {
        var checks: [SmokeCheck] = []
        progress?(ProgressUpdate(completed: 0, total: 3, label: "completion"))
        let plain = try await client.chat(endpoint, body: Prompts.chat("Say hello in one short sentence.", extra: ["temperature": 0]))
        checks.append(Self.judgeText(name: "completion", plain))
        progress?(ProgressUpdate(completed: 1, total: 3, label: "streamed completion"))
        let streamed = try await client.chat(endpoint, body: Prompts.chat(
            "Say hello in one short sentence.", stream: true,
            extra: ["temperature": 0, "stream_options": ["include_usage": true]]))
        checks.append(Self.judgeText(name: "streamed", streamed))
        progress?(ProgressUpdate(completed: 2, total: 3, label: "tool call"))
        let tool = try await client.chat(endpoint, body: Prompts.chat(
            "What is the weather in Paris right now?", maxTokens: 64,
            extra: ["temperature": 0, "tools": [Prompts.weatherTool], "tool_choice": "required"]))
        checks.append(Self.judgeToolCall(tool))
        progress?(ProgressUpdate(completed: 3, total: 3, label: "done"))
        return SmokeReport(endpoint: endpoint, checks: checks)
    }

    static func judgeText(name: String, _ outcome: ChatOutcome) -> SmokeCheck {
        var notes: [String] = []
        if outcome.usage == nil { notes.append("no usage object") }
        if outcome.finishReason == nil { notes.append("no finish_reason") }
        notes += outcome.envelopeProblems
        let milliseconds = outcome.totalLatency * 1000
        if let reason = outcome.failureReason {
            return SmokeCheck(name: name, passed: false, reason: reason, latencyMilliseconds: milliseconds, notes: notes)
        }
        if outcome.text.isEmpty {
            return SmokeCheck(name: name, passed: false, reason: "200 but the reply text is empty", latencyMilliseconds: milliseconds, notes: notes)
        }
        let seen = outcome.streamed ? "\(outcome.contentChunks) chunks, " : ""
        return SmokeCheck(
            name: name, passed: true, reason: "\(seen)reply '\(excerpt(outcome.text, limit: 60))'",
            latencyMilliseconds: milliseconds, notes: notes)
    }

    static func judgeToolCall(_ outcome: ChatOutcome) -> SmokeCheck {
        let milliseconds = outcome.totalLatency * 1000
        func fail(_ reason: String) -> SmokeCheck {
            SmokeCheck(name: "tool call", passed: false, reason: reason, latencyMilliseconds: milliseconds, notes: [])
        }
        if let reason = outcome.failureReason { return fail(reason) }
        guard let call = outcome.toolCalls.first else {
            return fail("no tool call; replied with text '\(excerpt(outcome.text, limit: 60))'")
        }
        guard call.name == "get_weather" else { return fail("called '\(call.name ?? "nil")', expected get_weather") }
        guard call.parsedArguments != nil else { return fail("arguments are not a JSON object: '\(excerpt(call.arguments))'") }
        var notes: [String] = []
        if outcome.finishReason != "tool_calls" { notes.append("finish_reason is '\(outcome.finishReason ?? "nil")', not tool_calls") }
        if call.id == nil { notes.append("tool call has no id") }
        return SmokeCheck(
            name: "tool call", passed: true, reason: "get_weather(\(call.arguments))",
            latencyMilliseconds: milliseconds, notes: notes)
    }
}
