import OpenAIWire

/// Runs the smoke checks against one endpoint: a completion, a streamed completion, a tool
/// call and a Responses API call, each passing or failing with the reason (the Responses call
/// is skipped, not failed, where the endpoint answers 404/405: it does not serve that API).
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
        progress?(ProgressUpdate(completed: 0, total: 4, label: "completion"))
        let plain = try await client.chat(endpoint, body: Prompts.chat("Say hello in one short sentence.", extra: ["temperature": 0]))
        checks.append(Self.judgeText(name: "completion", plain))
        progress?(ProgressUpdate(completed: 1, total: 4, label: "streamed completion"))
        let streamed = try await client.chat(endpoint, body: Prompts.chat(
            "Say hello in one short sentence.", stream: true,
            extra: ["temperature": 0, "stream_options": ["include_usage": true]]))
        checks.append(Self.judgeText(name: "streamed", streamed))
        progress?(ProgressUpdate(completed: 2, total: 4, label: "tool call"))
        let tool = try await client.chat(endpoint, body: Prompts.chat(
            "What is the weather in Paris right now?", maxTokens: 64,
            extra: ["temperature": 0, "tools": [Prompts.weatherTool], "tool_choice": "required"]))
        checks.append(Self.judgeToolCall(tool))
        progress?(ProgressUpdate(completed: 3, total: 4, label: "responses"))
        let response = try await client.send(endpoint, path: "/responses", body: [
            "model": .string(endpoint.model), "input": "Say hello in one short sentence.", "temperature": 0,
            "max_output_tokens": 32, "store": false,
        ])
        checks.append(Self.judgeResponses(response))
        progress?(ProgressUpdate(completed: 4, total: 4, label: "done"))
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

    static func judgeResponses(_ exchange: HTTPExchange) -> SmokeCheck {
        let milliseconds = exchange.elapsed * 1000
        func check(_ passed: Bool, _ reason: String, notes: [String] = [], skipped: Bool = false) -> SmokeCheck {
            SmokeCheck(name: "responses", passed: passed, reason: reason, latencyMilliseconds: milliseconds, notes: notes, skipped: skipped)
        }
        if exchange.status == 0 { return check(false, exchange.transportFailure ?? "no response") }
        if exchange.status == 404 || exchange.status == 405 {
            let error = APIErrorInfo(status: exchange.status, body: exchange.body)
            return check(true, "POST /v1/responses not served (\(error.summary)); skipped", skipped: true)
        }
        if exchange.status != 200 { return check(false, APIErrorInfo(status: exchange.status, body: exchange.body).summary) }
        if let failure = exchange.transportFailure { return check(false, failure) }
        let response = ResponseObjectReading(exchange)
        if !response.problems.isEmpty { return check(false, response.problems.joined(separator: "; ")) }
        if response.outputText.isEmpty { return check(false, "200 but the response has no output text (\(response.summary))") }
        let notes = response.inputTokens == nil ? ["no usage object"] : []
        return check(true, "reply '\(excerpt(response.outputText, limit: 60))' (\(response.summary))", notes: notes)
    }
}
