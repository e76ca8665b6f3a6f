import OpenAIWire

/// Sends one small request per feature and records what the endpoint actually did.
public struct ProbeRunner: Sendable {
    public var client: OpenAIClient
    public var endpoint: Endpoint
    public var features: [ProbeFeature]
    /// The model the `embeddings` feature asks for; nil: the one `/v1/models` marks as an embedding model.
    public var embeddingModel: String?

    public init(
        client: OpenAIClient, endpoint: Endpoint, features: [ProbeFeature] = ProbeFeature.defaultFeatures, embeddingModel: String? = nil
    ) {
        self.client = client
        self.endpoint = endpoint
        self.features = features
        self.embeddingModel = embeddingModel
    }

    /// Probes every feature in order. Throws only when the endpoint cannot be reached.
    public func run(progress: ProgressHandler? = nil) async throws(CutoverError) -> ProbeReport {
        var results: [ProbeResult] = []
        for (index, feature) in features.enumerated() {
            progress?(ProgressUpdate(completed: index, total: features.count, label: "\(endpoint.name): \(feature.rawValue)"))
            results.append(try await probe(feature))
        }
        progress?(ProgressUpdate(completed: features.count, total: features.count, label: "\(endpoint.name): done"))
        return ProbeReport(endpoint: endpoint, results: results)
    }

    /// Probes one feature.
    public func probe(_ feature: ProbeFeature) async throws(CutoverError) -> ProbeResult {
        switch feature {
        case .logprobs:
            let outcome = try await chat(Prompts.chat("Say yes.", maxTokens: 5, extra: ["logprobs": true, "top_logprobs": 3]))
            return judge(feature, outcome) { outcome in
                guard outcome.logprobsSeen else { return (.ignored, "200 without choices[0].logprobs.content") }
                return outcome.topLogprobsCount >= 3
                    ? (.supported, "token logprobs with \(outcome.topLogprobsCount) alternatives")
                    : (.ignored, "logprobs present but top_logprobs gave \(outcome.topLogprobsCount) alternatives, not 3")
            }
        case .seed:
            let body = Prompts.chat("Write a random word.", maxTokens: 16, extra: ["temperature": 1.0, "seed": 1234])
            let first = try await chat(body)
            if first.failureReason != nil { return judge(feature, first) { _ in (.ignored, "the first of two requests failed") } }
            let second = try await chat(body)
            return judge(feature, second) { second in
                second.text == first.text
                    ? (.supported, "identical outputs: '\(excerpt(first.text, limit: 40))'")
                    : (.ignored, "outputs differ: \(Self.firstDifference(first.text, second.text))")
            }
        case .multipleChoices:
            let outcome = try await chat(Prompts.chat("Say a color.", maxTokens: 8, extra: ["n": 2]))
            return judge(feature, outcome) { outcome in
                outcome.choiceCount == 2 ? (.supported, "2 choices") : (.ignored, "\(outcome.choiceCount) choice(s) returned")
            }
        case .imageInput:
            let message: JSONValue = [
                "role": "user",
                "content": [
                    ["type": "text", "text": "What color is this image?"],
                    ["type": "image_url", "image_url": ["url": .string(Prompts.pixelPNG)]],
                ],
            ]
            let outcome = try await chat(["messages": [message], "max_tokens": 16])
            return judge(feature, outcome) { outcome in
                (.supported, "accepted; replied '\(excerpt(outcome.text, limit: 50))' (whether the image was seen needs a human)")
            }
        case .jsonObject:
            let outcome = try await chat(Prompts.chat(
                "Return a JSON object with a key \"color\" naming a color.", maxTokens: 48,
                extra: ["temperature": 0, "response_format": ["type": "json_object"]]))
            return judge(feature, outcome) { outcome in
                guard let value = try? JSONValue.parse(outcome.text), value.objectValue != nil else {
                    return (.ignored, "output is not a JSON object: '\(excerpt(outcome.text, limit: 60))'")
                }
                return (.supported, "output parses as a JSON object")
            }
        case .jsonSchemaStrict:
            let schema: JSONValue = [
                "type": "object",
                "properties": ["name": ["type": "string"], "age": ["type": "integer"]],
                "required": ["name", "age"],
                "additionalProperties": false,
            ]
            let outcome = try await chat(Prompts.chat(
                "Invent a person; give their name and age.", maxTokens: 64,
                extra: ["temperature": 0, "response_format": [
                    "type": "json_schema", "json_schema": ["name": "person", "strict": true, "schema": schema],
                ]]))
            return judge(feature, outcome) { outcome in
                guard let value = try? JSONValue.parse(outcome.text) else {
                    return (.broken, "output is not JSON: '\(excerpt(outcome.text, limit: 60))'")
                }
                let problems = JSONSchemaValidator.violations(of: value, against: schema)
                return problems.isEmpty ? (.supported, "output valid against the schema")
                    : (.broken, "output violates the schema: \(problems.prefix(3).joined(separator: "; "))")
            }
        case .toolChoiceAuto, .toolChoiceRequired:
            let choice: JSONValue = feature == .toolChoiceAuto ? "auto" : "required"
            let outcome = try await chat(Prompts.chat(
                "What is the weather in Paris? Use the tool.", maxTokens: 64,
                extra: ["temperature": 0, "tools": [Prompts.weatherTool], "tool_choice": choice]))
            return judge(feature, outcome) { outcome in toolJudgement(outcome, expecting: "get_weather") }
        case .toolChoiceNamed:
            let outcome = try await chat(Prompts.chat(
                "What is the weather in Paris?", maxTokens: 64,
                extra: ["temperature": 0, "tools": [Prompts.weatherTool, Prompts.timeTool],
                        "tool_choice": ["type": "function", "function": ["name": "get_time"]]]))
            return judge(feature, outcome) { outcome in toolJudgement(outcome, expecting: "get_time") }
        case .parallelToolCalls:
            let outcome = try await chat(Prompts.chat(
                "Call get_weather for Paris and get_time for Tokyo, both at once.", maxTokens: 128,
                extra: ["temperature": 0, "tools": [Prompts.weatherTool, Prompts.timeTool],
                        "tool_choice": "required", "parallel_tool_calls": true]))
            return judge(feature, outcome) { outcome in
                let valid = outcome.toolCalls.filter { $0.parsedArguments != nil }
                if valid.count >= 2 {
                    return (.supported, "\(valid.count) calls: " + valid.map { $0.name ?? "?" }.joined(separator: ", "))
                }
                return (.ignored, "\(outcome.toolCalls.count) tool call(s) in the turn")
            }
        case .streamedToolCalls:
            let outcome = try await chat(Prompts.chat(
                "What is the weather in Paris? Use the tool.", maxTokens: 64, stream: true,
                extra: ["temperature": 0, "tools": [Prompts.weatherTool], "tool_choice": "required"]))
            return judge(feature, outcome) { outcome in
                // The feature first: did a tool call come at all? Only then judge its deltas.
                guard let call = outcome.toolCalls.first else {
                    return (.ignored, "no tool call; streamed text '\(excerpt(outcome.text, limit: 50))'")
                }
                if outcome.finishReason != "tool_calls" {
                    return (.broken, "finish_reason '\(outcome.finishReason ?? "nil")', expected tool_calls")
                }
                return (.supported, "\(outcome.contentChunks) chunks assembled \(call.name ?? "?")(\(excerpt(call.arguments, limit: 40)))")
            }
        case .includeUsage:
            let outcome = try await chat(Prompts.chat(
                "Say hello.", maxTokens: 8, stream: true, extra: ["stream_options": ["include_usage": true]]))
            return judge(feature, outcome) { outcome in
                guard outcome.usageChunkSeen, let usage = outcome.usage else { return (.ignored, "no usage in the stream") }
                var detail = "usage chunk: \(usage.completionTokens.map(String.init) ?? "?") completion tokens"
                if outcome.envelopeProblems.contains(where: { $0.hasPrefix("usage") }) { detail += " (its shape: see stream_envelope)" }
                return (.supported, detail)
            }
        case .streamEnvelope:
            let outcome = try await chat(Prompts.chat(
                "Count from 1 to 5.", maxTokens: 16, stream: true,
                extra: ["temperature": 0, "stream_options": ["include_usage": true]]))
            return judge(feature, outcome) { outcome in
                outcome.envelopeProblems.isEmpty
                    ? (.supported, "\(outcome.contentChunks) content chunks, same id/created/model, usage chunk with choices [], [DONE]")
                    : (.deviates, outcome.envelopeProblems.joined(separator: "; "))
            }
        case .stop:
            let outcome = try await chat(Prompts.chat(
                "Count from 1 to 10, separated by spaces.", maxTokens: 48, extra: ["temperature": 0, "stop": ["5"]]))
            return judge(feature, outcome) { outcome in
                if outcome.text.contains("5") { return (.ignored, "output contains the stop string: '\(excerpt(outcome.text, limit: 50))'") }
                return (.supported, "output ends before '5' (finish_reason \(outcome.finishReason ?? "nil"))")
            }
        case .unknownField:
            let outcome = try await chat(Prompts.chat("Say hello.", maxTokens: 8, extra: ["switchyard_probe_unknown": true]))
            return judge(feature, outcome) { _ in (.ignored, "accepted silently") }
        case .badKeyError:
            var bad = endpoint
            bad.apiKey = "sk-switchyard-probe-invalid-key"
            let outcome = try await client.chat(bad, body: Prompts.chat("Say hello.", maxTokens: 4))
            return errorShape(feature, outcome, expectedStatus: 401, expectedCode: "invalid_api_key")
        case .badModelError:
            let outcome = try await chat(Prompts.chat("Say hello.", maxTokens: 4, extra: ["model": "switchyard-probe-no-such-model"]))
            return errorShape(feature, outcome, expectedStatus: 404, expectedCode: "model_not_found")
        case .rateLimitHeaders:
            let outcome = try await chat(Prompts.chat("Say hello.", maxTokens: 4))
            return judge(feature, outcome) { outcome in
                let names = ["x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-limit-tokens",
                             "x-ratelimit-remaining-tokens", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"]
                let present = names.filter { outcome.headers[$0] != nil }
                if present.isEmpty { return (.ignored, "no x-ratelimit-* headers") }
                let missing = names.filter { outcome.headers[$0] == nil }
                return (.supported, missing.isEmpty ? "all six x-ratelimit-* headers"
                    : "\(present.count) of 6; missing \(missing.joined(separator: ", "))")
            }
        case .samplingDefaults:
            return try await samplingDefaults()
        case .responses, .responsesStream, .responsesStore, .responsesTextFormat:
            return try await probeResponses(feature)
        case .embeddings:
            return try await probeEmbeddings()
        }
    }

    /// "…'abc' vs …'abd'" from where two texts start to differ.
    static func firstDifference(_ a: String, _ b: String) -> String {
        let common = zip(a, b).prefix { $0 == $1 }.count
        let skip = max(0, common - 10)
        let marker = skip > 0 ? "…" : ""
        return "\(marker)'\(excerpt(String(a.dropFirst(skip)), limit: 40))' vs \(marker)'\(excerpt(String(b.dropFirst(skip)), limit: 40))'"
    }

    private func chat(_ body: JSONValue) async throws(CutoverError) -> ChatOutcome {
        try await client.chat(endpoint, body: body)
    }

    /// Classifies refusals and failures, then lets `decide` judge the feature on what came back.
    /// Protocol problems turn a feature that worked into `broken`; a feature that was ignored
    /// stays ignored, with the problems in its detail. Envelope deviations are left to
    /// `stream_envelope`.
    private func judge(
        _ feature: ProbeFeature, _ outcome: ChatOutcome, decide: (ChatOutcome) -> (ProbeStatus, String)
    ) -> ProbeResult {
        if (400..<500).contains(outcome.status) {
            let message = outcome.error?.message ?? outcome.error?.bodyExcerpt ?? ""
            return ProbeResult(feature: feature, status: .rejected, detail: message, httpStatus: outcome.status)
        }
        if outcome.status != 200 || outcome.error != nil || outcome.transportFailure != nil {
            return ProbeResult(feature: feature, status: .broken, detail: outcome.failureReason ?? "HTTP \(outcome.status)",
                               httpStatus: outcome.status == 0 ? nil : outcome.status)
        }
        var (status, detail) = decide(outcome)
        if !outcome.problems.isEmpty {
            let problems = outcome.problems.joined(separator: "; ")
            if status == .supported || status == .deviates {
                status = .broken
                detail = problems + " (otherwise: \(detail))"
            } else {
                detail += "; also: \(problems)"
            }
        }
        // Observed behaviour decides the status; a server's own account is added to the detail.
        if let ignored = outcome.headers["x-switchyard-ignored"] { detail += "; server says it ignored: \(ignored)" }
        return ProbeResult(feature: feature, status: status, detail: detail, httpStatus: outcome.status)
    }

    private func toolJudgement(_ outcome: ChatOutcome, expecting name: String) -> (ProbeStatus, String) {
        guard let call = outcome.toolCalls.first else {
            return (.ignored, "no tool call; text '\(excerpt(outcome.text, limit: 50))'")
        }
        guard call.name == name else { return (.ignored, "called '\(call.name ?? "nil")' instead of \(name)") }
        guard call.parsedArguments != nil else { return (.broken, "arguments are not a JSON object: '\(excerpt(call.arguments, limit: 50))'") }
        var detail = "\(name)(\(excerpt(call.arguments, limit: 40)))"
        if outcome.finishReason != "tool_calls" { detail += "; finish_reason '\(outcome.finishReason ?? "nil")'" }
        return (.supported, detail)
    }

    /// An error probe passes when the status and the OpenAI error shape match.
    private func errorShape(_ feature: ProbeFeature, _ outcome: ChatOutcome, expectedStatus: Int, expectedCode: String) -> ProbeResult {
        if let failure = outcome.transportFailure, outcome.status == 0 {
            return ProbeResult(feature: feature, status: .broken, detail: failure)
        }
        if outcome.status == 200 {
            return ProbeResult(feature: feature, status: .ignored, detail: "200: the request was served anyway", httpStatus: 200)
        }
        guard let error = outcome.error else {
            return ProbeResult(feature: feature, status: .broken, detail: "HTTP \(outcome.status) without an error body", httpStatus: outcome.status)
        }
        var issues = error.shapeProblems
        if outcome.status != expectedStatus { issues.append("status \(outcome.status), OpenAI sends \(expectedStatus)") }
        if error.code != expectedCode { issues.append("code '\(error.code ?? "null")', OpenAI sends '\(expectedCode)'") }
        if outcome.status >= 500 || !error.shapeProblems.isEmpty {
            return ProbeResult(feature: feature, status: .broken, detail: issues.joined(separator: "; "), httpStatus: outcome.status)
        }
        let detail = issues.isEmpty ? "\(error.summary)" : "\(error.summary) — differs: \(issues.joined(separator: "; "))"
        // Refused with OpenAI's status: clients branch correctly (a differing code is noted). Refused
        // with another status: SDKs raise a different exception class, a deviation.
        let status: ProbeStatus = outcome.status == expectedStatus ? .supported : .deviates
        return ProbeResult(feature: feature, status: status, detail: detail, httpStatus: outcome.status)
    }

    /// Three replies with sampling parameters omitted and two at temperature 0.
    private func samplingDefaults() async throws(CutoverError) -> ProbeResult {
        let prompt = "Write one short sentence about the sea."
        var omitted: [String] = []
        var announced: String?
        for _ in 0..<3 {
            let outcome = try await chat(Prompts.chat(prompt, maxTokens: 24))
            if outcome.failureReason != nil { return judge(.samplingDefaults, outcome) { _ in (.ignored, "a request failed") } }
            omitted.append(outcome.text)
            // Some servers (Switchyard among them) name the parameters they filled in.
            announced = announced ?? outcome.headers["x-switchyard-defaulted"]
        }
        var greedy: [String] = []
        for _ in 0..<2 {
            let outcome = try await chat(Prompts.chat(prompt, maxTokens: 24, extra: ["temperature": 0]))
            if outcome.failureReason != nil { return judge(.samplingDefaults, outcome) { _ in (.ignored, "a request failed") } }
            greedy.append(outcome.text)
        }
        let distinct = Set(omitted).count
        let defaults = distinct == 1 ? "omitted → identical outputs (greedy-like defaults)"
            : "omitted → \(distinct) distinct outputs of 3 (sampling by default)"
        let zero = Set(greedy).count == 1 ? "temperature 0 → identical" : "temperature 0 → outputs differ"
        let matches = greedy.first == omitted.first ? "; omitted matches temperature 0" : ""
        let header = announced.map { "; server says it defaulted: \($0)" } ?? ""
        return ProbeResult(feature: .samplingDefaults, status: .supported, detail: "\(defaults); \(zero)\(matches)\(header)", httpStatus: 200)
    }
}
