import ArgumentParser
import Cutover
import Foundation

/// `switchyard bench`: canned streaming traffic at fixed concurrency or a Poisson rate.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark endpoints with vLLM's metrics (TTFT, TPOT, ITL, E2E, throughput).",
        discussion: """
            Each level sends --requests streamed requests after a warm-up. Output length is fixed \
            with ignore_eos/min_tokens where the server accepts them. With --a/--b both endpoints \
            get the same traffic. Exit codes: 0 thresholds met, 1 a threshold missed, 2 bad input \
            or endpoint unreachable.
            """)

    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "Concurrency levels, comma-separated.")
    var concurrency = "1,4,16"
    @Option(name: .long, help: "Poisson arrival rate in requests per second (replaces --concurrency).")
    var requestRate: Double?
    @Option(name: .long, help: "Requests measured per level.")
    var requests = 16
    @Option(name: .long, help: "Prompt length in words (≈ tokens).")
    var promptWords = 32
    @Option(name: .long, help: "Output tokens per request (max_tokens).")
    var outputTokens = 64
    @Option(name: .long, help: "Warm-up requests per endpoint, not measured.")
    var warmup = 2
    @Flag(name: .long, help: "Do not send ignore_eos/min_tokens.")
    var noFixedLength = false
    @Flag(name: .long, help: "Measure a cold start: the first request after idling (or after --sleep-tier).")
    var cold = false
    @Option(name: .long, help: "Seconds to idle before the cold request.")
    var coldIdle: Double = 30
    @Option(name: .long, help: "Put this tier to sleep (POST {base}/tiers/NAME/sleep) before the cold request.")
    var sleepTier: String?
    @Option(name: .long, help: "Write the HTML report here.")
    var html: String?
    @Option(name: .long, help: "Write the JSON report here.")
    var jsonOut: String?
    @Option(name: .long, help: "Fail when B's TTFT p95 exceeds A's by more than this factor at any level.")
    var maxTtftP95Ratio: Double?
    @Option(name: .long, help: "Fail when B's output throughput is below this fraction of A's at any level.")
    var minThroughputRatio: Double?
    @Option(name: .long, help: "Fail when an endpoint has more failed requests than this.")
    var maxFailures: Int?

    func validate() throws {
        guard let levels = Self.levels(concurrency), !levels.isEmpty else {
            throw ValidationError("--concurrency must be positive integers separated by commas")
        }
        if let requestRate, requestRate <= 0 { throw ValidationError("--request-rate must be positive") }
        if requests < 1 || promptWords < 1 || outputTokens < 1 || warmup < 0 {
            throw ValidationError("--requests, --prompt-words and --output-tokens must be positive; --warmup not negative")
        }
        if (sleepTier != nil || coldIdle != 30) && !cold { throw ValidationError("--cold-idle and --sleep-tier need --cold") }
    }

    static func levels(_ text: String) -> [Int]? {
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return parts.compactMap { $0 }
    }

    func run() async throws {
        try await KitExit.guarding {
            var configuration = BenchConfiguration()
            configuration.concurrencyLevels = Self.levels(concurrency) ?? [1]
            configuration.requestRate = requestRate
            configuration.requestsPerLevel = requests
            configuration.promptWords = promptWords
            configuration.outputTokens = outputTokens
            configuration.warmupRequests = warmup
            configuration.fixedOutputLength = !noFixedLength
            if cold { configuration.coldStart = sleepTier.map { .sleep(tier: $0) } ?? .idle(seconds: coldIdle) }
            let targets = try endpoints.endpoints()
            let progress = ProgressBar(title: "Benchmark", enabled: !output.json)
            defer { progress.clear() }
            let connections = max(64, (configuration.concurrencyLevels.max() ?? 1) * 2, requestRate == nil ? 0 : requests)
            var report = try await KitExit.withClient(for: targets, maxConnections: connections) { client throws(CutoverError) in
                try await BenchRunner(client: client, endpoints: targets, configuration: configuration).run(progress: progress.handler)
            }
            progress.clear()
            report.apply(maxTTFTp95Ratio: maxTtftP95Ratio, minThroughputRatio: minThroughputRatio, maxFailures: maxFailures)
            let json = try JSONReport.encode(report)
            if let html { try KitExit.write(report.html, to: html) }
            if let jsonOut { try KitExit.write(json, to: jsonOut) }
            print(output.json ? json : report.text)
            if !report.passed { throw KitExit.findings }
        }
    }
}
