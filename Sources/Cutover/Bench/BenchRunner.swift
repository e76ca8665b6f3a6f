import Foundation
import OpenAIWire

/// Drives the canned traffic pattern against each endpoint in turn and measures it.
public struct BenchRunner: Sendable {
    public var client: OpenAIClient
    public var endpoints: [Endpoint]
    public var configuration: BenchConfiguration

    public init(client: OpenAIClient, endpoints: [Endpoint], configuration: BenchConfiguration) {
        self.client = client
        self.endpoints = endpoints
        self.configuration = configuration
    }

    /// Runs warm-up, every level, then the cold-start measurement, endpoint by endpoint.
    public func run(progress: ProgressHandler? = nil) async throws(CutoverError) -> BenchReport {
        var results: [BenchEndpointResult] = []
        let levels = configuration.requestRate == nil ? configuration.concurrencyLevels.count : 1
        let total = endpoints.count * (configuration.warmupRequests + levels * configuration.requestsPerLevel
            + (configuration.coldStart == nil ? 0 : 1))
        let counter = ProgressCounter(total: total, handler: progress)
        for endpoint in endpoints {
            results.append(try await run(endpoint, counter: counter))
        }
        return BenchReport(configuration: configuration, results: results)
    }

    private func run(_ endpoint: Endpoint, counter: ProgressCounter) async throws(CutoverError) -> BenchEndpointResult {
        var notes: [String] = []
        var fixedLength = configuration.fixedOutputLength
        var fixedLengthAccepted: Bool?
        // Warm-up doubles as the check whether the fixed-length extensions are accepted.
        for index in 0..<max(configuration.warmupRequests, fixedLength ? 1 : 0) {
            let outcome = try await client.chat(endpoint, body: body(index: -1 - index, fixedLength: fixedLength))
            if fixedLength, fixedLengthAccepted == nil {
                if (400..<500).contains(outcome.status) {
                    fixedLengthAccepted = false
                    fixedLength = false
                    notes.append("ignore_eos/min_tokens rejected (\(outcome.failureReason ?? "4xx")); output length not fixed")
                } else {
                    fixedLengthAccepted = outcome.succeeded
                }
            }
            if index < configuration.warmupRequests { counter.advance("\(endpoint.name): warm-up") }
        }
        var levels: [BenchLevel] = []
        if let rate = configuration.requestRate {
            let (requests, duration) = await poisson(endpoint, rate: rate, fixedLength: fixedLength, counter: counter)
            levels.append(BenchLevel(label: "rate=\(format(rate, digits: 2))/s", concurrency: nil, requestRate: rate,
                                     metrics: BenchMetrics(requests: requests, duration: duration), requests: requests))
        } else {
            for concurrency in configuration.concurrencyLevels {
                let (requests, duration) = await closedLoop(endpoint, concurrency: concurrency, fixedLength: fixedLength, counter: counter)
                levels.append(BenchLevel(label: "c=\(concurrency)", concurrency: concurrency, requestRate: nil,
                                         metrics: BenchMetrics(requests: requests, duration: duration), requests: requests))
            }
        }
        let withoutUsage = levels.reduce(0) { $0 + $1.metrics.requestsWithoutUsage }
        if withoutUsage > 0 { notes.append("\(withoutUsage) request(s) had no usage; chunk counts stand in for token counts") }
        if levels.allSatisfy({ $0.metrics.completed == 0 }), let first = levels.first?.metrics.failures.first {
            notes.append("every request failed: \(first)")
        }
        var cold: ColdStartResult?
        if let mode = configuration.coldStart {
            cold = try await coldStart(endpoint, mode: mode, fixedLength: fixedLength, warm: levels.first?.metrics.ttft.p50 ?? 0)
            counter.advance("\(endpoint.name): cold start")
        }
        if fixedLengthAccepted == true {
            let short = levels.flatMap(\.requests).filter { $0.succeeded && $0.outputTokens < configuration.outputTokens }.count
            if short > 0 { notes.append("\(short) request(s) ended before \(configuration.outputTokens) tokens despite ignore_eos/min_tokens") }
        }
        return BenchEndpointResult(endpoint: endpoint, levels: levels, coldStart: cold, fixedLengthAccepted: fixedLengthAccepted, notes: notes)
    }

    /// `concurrency` workers, each sending its share of the requests back to back.
    private func closedLoop(_ endpoint: Endpoint, concurrency: Int, fixedLength: Bool, counter: ProgressCounter) async -> ([RequestMetrics], Double) {
        let count = configuration.requestsPerLevel
        let start = ContinuousClock.now
        let requests = await withTaskGroup(of: [RequestMetrics].self) { group in
            for worker in 0..<max(1, concurrency) {
                group.addTask {
                    var mine: [RequestMetrics] = []
                    for index in stride(from: worker, to: count, by: max(1, concurrency)) {
                        mine.append(await measure(endpoint, index: index, fixedLength: fixedLength))
                        counter.advance("\(endpoint.name): c=\(concurrency)")
                    }
                    return mine
                }
            }
            var all: [RequestMetrics] = []
            for await part in group { all += part }
            return all
        }
        return (requests, seconds(since: start))
    }

    /// Requests sent at exponentially distributed intervals (a Poisson process), not waiting on replies.
    private func poisson(_ endpoint: Endpoint, rate: Double, fixedLength: Bool, counter: ProgressCounter) async -> ([RequestMetrics], Double) {
        var generator = SplitMix64(seed: configuration.seed &+ 7)
        let gaps = (0..<configuration.requestsPerLevel).map { _ in
            -log(max(Double.leastNonzeroMagnitude, Double.random(in: 0..<1, using: &generator))) / rate
        }
        let start = ContinuousClock.now
        let requests = await withTaskGroup(of: RequestMetrics.self) { group in
            for (index, gap) in gaps.enumerated() {
                try? await Task.sleep(for: .seconds(gap))
                group.addTask {
                    let metrics = await measure(endpoint, index: index, fixedLength: fixedLength)
                    counter.advance("\(endpoint.name): rate=\(format(rate, digits: 2))/s")
                    return metrics
                }
            }
            var all: [RequestMetrics] = []
            for await item in group { all.append(item) }
            return all
        }
        return (requests, seconds(since: start))
    }

    private func measure(_ endpoint: Endpoint, index: Int, fixedLength: Bool) async -> RequestMetrics {
        do {
            return RequestMetrics(try await client.chat(endpoint, body: body(index: index, fixedLength: fixedLength)))
        } catch {
            return RequestMetrics(succeeded: false, ttft: 0, e2e: 0, itl: [], usageOutputTokens: nil, chunkCount: 0, failure: error.message)
        }
    }

    private func coldStart(_ endpoint: Endpoint, mode: BenchConfiguration.ColdStart, fixedLength: Bool, warm: Double) async throws(CutoverError) -> ColdStartResult {
        var method: String
        var detail = ""
        switch mode {
        case .idle(let seconds):
            method = "idle \(format(seconds, digits: 0))s"
            try? await Task.sleep(for: .seconds(seconds))
        case .sleep(let tier):
            let exchange = try await client.send(endpoint, path: "/tiers/\(tier)/sleep", body: nil)
            if (200..<300).contains(exchange.status) {
                method = "sleep tier '\(tier)'"
                detail = "sleep call answered \(exchange.status)"
            } else {
                method = "idle 5s (sleep unavailable)"
                detail = "POST /tiers/\(tier)/sleep answered \(exchange.status): \(excerpt(exchange.body, limit: 120))"
                try? await Task.sleep(for: .seconds(5))
            }
        }
        let outcome = try await client.chat(endpoint, body: body(index: 1_000_000, fixedLength: fixedLength))
        if let failure = outcome.failureReason { detail += (detail.isEmpty ? "" : "; ") + failure }
        return ColdStartResult(
            method: method, ttftMilliseconds: (outcome.timeToFirstToken ?? outcome.totalLatency) * 1000,
            totalMilliseconds: outcome.totalLatency * 1000, warmTTFTp50Milliseconds: warm,
            succeeded: outcome.succeeded, detail: detail)
    }

    /// The request body for request `index`: a distinct synthetic prompt (so prefix caches do not
    /// flatter the numbers), streamed with usage, pinned sampling.
    func body(index: Int, fixedLength: Bool) -> JSONValue {
        var object = JSONObject([
            "messages": [Prompts.user(BenchPrompt.make(words: configuration.promptWords, seed: configuration.seed &+ UInt64(bitPattern: Int64(index))))],
            "max_tokens": .int(configuration.outputTokens),
            "temperature": 0,
            "stream": true,
            "stream_options": ["include_usage": true],
        ])
        if fixedLength {
            object["ignore_eos"] = true
            object["min_tokens"] = .int(configuration.outputTokens)
        }
        return .object(object)
    }
}
