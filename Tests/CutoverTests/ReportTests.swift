import Cutover
import Foundation
import OpenAIWire
import Testing

@Suite struct ReportTests {
    @Test func wordDiff() {
        #expect(TextDiff.diff("the cat sat", "the dog sat") == [.same("the "), .removed("cat "), .added("dog "), .same("sat")])
        #expect(TextDiff.diff("same", "same") == [.same("same")])
        #expect(TextDiff.diff("", "new words") == [.added("new words")])
    }

    @Test func schemaValidator() throws {
        let schema = try JSONValue.parse("""
            {"type":"object","properties":{"name":{"type":"string","minLength":1},"age":{"type":"integer","minimum":0},
             "tags":{"type":"array","items":{"enum":["a","b"]}}},"required":["name","age"],"additionalProperties":false}
            """)
        #expect(JSONSchemaValidator.violations(of: try JSONValue.parse(#"{"name":"Ada","age":36,"tags":["a"]}"#), against: schema).isEmpty)
        #expect(JSONSchemaValidator.violations(of: try JSONValue.parse(#"{"name":"Ada","age":36.0}"#), against: schema).isEmpty)
        let problems = JSONSchemaValidator.violations(of: try JSONValue.parse(#"{"name":"","age":-1,"tags":["c"],"x":1}"#), against: schema)
        #expect(problems.count == 4)
        #expect(problems.contains("$: unexpected property 'x'"))
        #expect(JSONSchemaValidator.violations(of: try JSONValue.parse(#"{"age":1}"#), against: schema) == ["$: missing required property 'name'"])
        #expect(JSONSchemaValidator.violations(of: .string("x"), against: schema) == ["$: expected object, got string"])
    }

    @Test func endpointSpecs() throws {
        let endpoint = try Endpoint.parse(spec: "url=http://host:8080,model=m1,key_env=MY_KEY,name=vllm,timeout=5",
                                          defaultName: "A", environment: ["MY_KEY": "k"])
        #expect(endpoint.baseURL == "http://host:8080/v1")
        #expect(endpoint.apiKey == "k" && endpoint.model == "m1" && endpoint.name == "vllm" && endpoint.timeout == 5)
        #expect(endpoint.rootURL == "http://host:8080")
        let defaulted = try Endpoint.parse(spec: "url=https://x.example/openai/v1/", defaultName: "B", defaultModel: "m", environment: [:])
        #expect(defaulted.baseURL == "https://x.example/openai/v1" && defaulted.model == "m" && defaulted.name == "B")
        #expect(throws: CutoverError.self) { try Endpoint.parse(spec: "url=http://x,model=m,key_env=UNSET", defaultName: "A", environment: [:]) }
        #expect(throws: CutoverError.self) { try Endpoint.parse(spec: "model=m", defaultName: "A", environment: [:]) }
        #expect(throws: CutoverError.self) { try Endpoint.parse(spec: "url=http://x,model=m,colour=red", defaultName: "A", environment: [:]) }
    }

    static func level(_ label: String, ttft: Double, rate: Double) -> BenchLevel {
        let requests = (0..<4).map { index in
            RequestMetrics(succeeded: true, ttft: ttft, e2e: ttft + 0.1 * Double(index + 1), itl: [0.01, 0.02],
                           usageOutputTokens: 10, chunkCount: 10)
        }
        var metrics = BenchMetrics(requests: requests, duration: 40 / rate)
        metrics.outputThroughput = rate
        return BenchLevel(label: label, concurrency: 1, requestRate: nil, metrics: metrics, requests: requests)
    }

    static func benchReport() -> BenchReport {
        let a = Endpoint(name: "A", baseURL: "http://a/v1", apiKey: nil, model: "m")
        let b = Endpoint(name: "B", baseURL: "http://b/v1", apiKey: nil, model: "m")
        return BenchReport(configuration: BenchConfiguration(), results: [
            BenchEndpointResult(endpoint: a, levels: [level("c=1", ttft: 0.05, rate: 100), level("c=4", ttft: 0.06, rate: 300)],
                                coldStart: nil, fixedLengthAccepted: true, notes: []),
            BenchEndpointResult(endpoint: b, levels: [level("c=1", ttft: 0.10, rate: 90), level("c=4", ttft: 0.30, rate: 150)],
                                coldStart: ColdStartResult(method: "idle 30s", ttftMilliseconds: 900, totalMilliseconds: 1200,
                                                           warmTTFTp50Milliseconds: 100, succeeded: true, detail: ""),
                                fixedLengthAccepted: false, notes: ["ignore_eos/min_tokens rejected"]),
        ])
    }

    @Test func benchThresholds() {
        var report = Self.benchReport()
        report.apply(maxTTFTp95Ratio: 3, minThroughputRatio: 0.8, maxFailures: 0)
        #expect(!report.passed)
        let failed = report.thresholds.filter { !$0.passed }.map { "\($0.name) \($0.detail.prefix(4))" }
        #expect(failed == ["max-ttft-p95-ratio c=4:", "min-throughput-ratio c=4:"])
        report.apply(maxTTFTp95Ratio: 10, minThroughputRatio: 0.4, maxFailures: 0)
        #expect(report.passed)
    }

    @Test func benchHTMLHasChartsAndRows() {
        let html = Self.benchReport().html
        #expect(html.components(separatedBy: "<svg").count - 1 == 4)
        #expect(html.contains("data-chart=\"lines\"") && html.contains("data-chart=\"bars\"") && html.contains("data-chart=\"cdf\""))
        #expect(html.contains("<polyline"))
        #expect(html.contains("<td>B</td><td>c=4</td>"))
        #expect(html.contains("Cold start") && html.contains("idle 30s"))
        #expect(html.contains("ignore_eos/min_tokens rejected"))
    }

    @Test func probeComparisonMarksDifferences() {
        let a = ProbeReport(endpoint: Endpoint(name: "A", baseURL: "http://a", apiKey: nil, model: "m"), results: [
            ProbeResult(feature: .logprobs, status: .supported, detail: "3 alternatives", httpStatus: 200),
            ProbeResult(feature: .stop, status: .supported, detail: "ok", httpStatus: 200),
        ])
        let b = ProbeReport(endpoint: Endpoint(name: "B", baseURL: "http://b", apiKey: nil, model: "m"), results: [
            ProbeResult(feature: .logprobs, status: .rejected, detail: "logprobs is not supported", httpStatus: 400),
            ProbeResult(feature: .stop, status: .supported, detail: "ok", httpStatus: 200),
        ])
        let text = ProbeReport.comparison(a, b)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("≠ logprobs") && $0.contains("supported") && $0.contains("rejected 400") })
        #expect(lines.contains { $0.hasPrefix("  stop") })
        #expect(text.contains("B: logprobs is not supported"))
        #expect(b.broken.isEmpty)
    }

    @Test func niceAxisAndSVGEscaping() {
        let svg = SVGChart.groupedBars(title: "<t>", categories: ["a&b"], series: [.init(name: "x", values: [42])], unit: "ms")
        #expect(svg.contains("&lt;t&gt;") && svg.contains("a&amp;b"))
        #expect(svg.contains("<rect x="))
    }
}
