import ArgumentParser
import Cutover
import Foundation

/// `switchyard golden SET.jsonl`: replay a golden set against one or two endpoints and report.
struct GoldenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "golden",
        abstract: "Replay a golden set against endpoints; HTML, Markdown and JSON reports; thresholds gate CI.",
        discussion: """
            A is the baseline, B the candidate: ratio thresholds compare B with A, rate thresholds \
            apply to B. Exit codes: 0 all thresholds met, 1 a threshold missed, 2 bad input or \
            endpoint unreachable.
            """)

    @Argument(help: "The golden set (JSONL), e.g. examples/golden/basic.jsonl.")
    var set: String

    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "Write the HTML report here.")
    var html: String?
    @Option(name: .long, help: "Write the Markdown report here.")
    var markdown: String?
    @Option(name: .long, help: "Write the JSON report here.")
    var jsonOut: String?

    @Option(name: .long, help: "Fail when B's TTFT p95 exceeds A's by more than this factor.")
    var maxTtftP95Ratio: Double?
    @Option(name: .long, help: "Fail when B's total-latency p95 exceeds A's by more than this factor.")
    var maxLatencyP95Ratio: Double?
    @Option(name: .long, help: "Fail when B's valid tool-call rate is below this (0-1).")
    var minToolSuccess: Double?
    @Option(name: .long, help: "Fail when B's schema-valid output rate is below this (0-1).")
    var minSchemaSuccess: Double?
    @Option(name: .long, help: "Fail when B's share of cases passing all expectations is below this (0-1).")
    var minExpectationPass: Double?
    @Option(name: .long, help: "Fail when B has more failed or malformed responses than this.")
    var maxErrors: Int?

    func validate() throws {
        for rate in [minToolSuccess, minSchemaSuccess, minExpectationPass].compactMap({ $0 }) where !(0...1).contains(rate) {
            throw ValidationError("success rates are fractions between 0 and 1")
        }
    }

    func run() async throws {
        try await KitExit.guarding {
            guard let data = FileManager.default.contents(atPath: set) else {
                throw CutoverError(.invalidInput, "cannot read the golden set \(set)")
            }
            let cases = try GoldenCase.parseSet(String(decoding: data, as: UTF8.self))
            let targets = try endpoints.endpoints()
            let progress = ProgressBar(title: "Golden run", enabled: !output.json)
            defer { progress.clear() }
            var report = try await KitExit.withClient(for: targets) { client throws(CutoverError) in
                try await GoldenRunner(client: client, endpoints: targets, cases: cases).run(progress: progress.handler)
            }
            progress.clear()
            report.apply(GoldenThresholds(
                maxTTFTp95Ratio: maxTtftP95Ratio, maxTotalP95Ratio: maxLatencyP95Ratio, minToolSuccess: minToolSuccess,
                minSchemaSuccess: minSchemaSuccess, minExpectationPass: minExpectationPass, maxErrors: maxErrors))
            let json = try JSONReport.encode(report)
            if let html { try KitExit.write(report.html, to: html) }
            if let markdown { try KitExit.write(report.markdown, to: markdown) }
            if let jsonOut { try KitExit.write(json, to: jsonOut) }
            print(output.json ? json : report.text)
            if !report.passed { throw KitExit.findings }
        }
    }
}
