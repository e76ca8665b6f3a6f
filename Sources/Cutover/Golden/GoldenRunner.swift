import OpenAIWire

/// Replays a golden set against one or more endpoints, one request at a time (so that
/// latencies are not skewed by self-inflicted queueing).
public struct GoldenRunner: Sendable {
    public var client: OpenAIClient
    public var endpoints: [Endpoint]
    public var cases: [GoldenCase]

    public init(client: OpenAIClient, endpoints: [Endpoint], cases: [GoldenCase]) {
        self.client = client
        self.endpoints = endpoints
        self.cases = cases
    }

    /// Runs every case on every endpoint. Throws only when an endpoint cannot be reached.
    public func run(progress: ProgressHandler? = nil) async throws(CutoverError) -> GoldenReport {
        var results: [GoldenCaseResult] = []
        let total = cases.count * endpoints.count
        var done = 0
        for item in cases {
            var records: [GoldenRecord] = []
            for endpoint in endpoints {
                progress?(ProgressUpdate(completed: done, total: total, label: "\(endpoint.name): \(item.id)"))
                let outcome = try await client.chat(endpoint, body: item.requestBody())
                records.append(GoldenEvaluator.record(for: item, outcome: outcome))
                done += 1
            }
            results.append(GoldenCaseResult(
                id: item.id, prompt: item.promptText, records: records, temperature: item.parameters["temperature"]?.doubleValue,
                constrained: item.tools != nil || item.responseFormat != nil))
        }
        progress?(ProgressUpdate(completed: total, total: total, label: "done"))
        return GoldenReport(endpoints: endpoints, cases: results)
    }
}
