import Cutover
import Foundation
import OpenAIWire
import Testing

@Suite struct GoldenTests {
    static let exampleSet = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../examples/golden/basic.jsonl").standardized

    @Test func exampleSetParses() throws {
        let text = try String(contentsOf: Self.exampleSet, encoding: .utf8)
        let cases = try GoldenCase.parseSet(text)
        #expect((20...50).contains(cases.count))
        #expect(Set(cases.map(\.id)).count == cases.count)
        #expect(cases.contains { $0.tools != nil })
        #expect(cases.contains { $0.outputSchema != nil })
        for item in cases {
            let body = item.requestBody()
            #expect(body["stream"] == true)
            #expect(body["temperature"] != nil, "\(item.id) leaves temperature unpinned")
        }
    }

    @Test func parseErrorsNameTheLine() {
        let text = "{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}\n\n{\"id\":\"b\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"bogus\":1}"
        do {
            _ = try GoldenCase.parseSet(text)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("line 3"))
            #expect(error.message.contains("bogus"))
        }
    }

    static func item(_ json: String) throws -> GoldenCase {
        try #require(try GoldenCase.parseSet(json).first)
    }

    @Test func expectationsAreChecked() throws {
        let item = try Self.item(#"{"id":"c","messages":[{"role":"user","content":"capital?"}],"temperature":0,"expect":{"contains":["Paris"],"not_contains":["London"],"regex":"\\bParis\\b"}}"#)
        let good = GoldenEvaluator.record(for: item, outcome: ChatOutcome.reading(body: Self.body("The capital is Paris.")))
        #expect(good.passed)
        #expect(good.expectations.count == 3)
        let bad = GoldenEvaluator.record(for: item, outcome: ChatOutcome.reading(body: Self.body("London, surely.")))
        #expect(!bad.passed)
        #expect(bad.expectations.filter { !$0.passed }.map(\.kind) == ["contains", "not_contains", "regex"])
    }

    @Test func schemaAndToolValidity() throws {
        let schemaCase = try Self.item(#"{"id":"s","messages":[{"role":"user","content":"p"}],"response_format":{"type":"json_schema","json_schema":{"name":"p","schema":{"type":"object","properties":{"age":{"type":"integer"}},"required":["age"]}}}}"#)
        #expect(GoldenEvaluator.record(for: schemaCase, outcome: ChatOutcome.reading(body: Self.body("{\\\"age\\\": 3}"))).schemaValid == true)
        #expect(GoldenEvaluator.record(for: schemaCase, outcome: ChatOutcome.reading(body: Self.body("{\\\"age\\\": \\\"3\\\"}"))).schemaValid == false)
        #expect(GoldenEvaluator.record(for: schemaCase, outcome: ChatOutcome.reading(body: Self.body("age three"))).schemaValid == false)

        let toolCase = try Self.item(#"{"id":"t","messages":[{"role":"user","content":"w"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],"expect":{"tool_name":"get_weather"}}"#)
        let valid = GoldenEvaluator.record(for: toolCase, outcome: ChatOutcome.reading(body: Self.toolBody(name: "get_weather", arguments: "{\\\"city\\\":\\\"Paris\\\"}")))
        #expect(valid.toolCallValid == true)
        let missingArgument = GoldenEvaluator.record(for: toolCase, outcome: ChatOutcome.reading(body: Self.toolBody(name: "get_weather", arguments: "{}")))
        #expect(missingArgument.toolCallValid == false)
        let wrongTool = GoldenEvaluator.record(for: toolCase, outcome: ChatOutcome.reading(body: Self.toolBody(name: "get_time", arguments: "{}")))
        #expect(wrongTool.toolCallValid == false)
        #expect(wrongTool.expectations.first?.detail.contains("expected 'get_weather'") == true)
    }

    static func body(_ content: String) -> String {
        #"{"choices":[{"index":0,"message":{"role":"assistant","content":"\#(content)"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":4,"total_tokens":9}}"#
    }

    static func toolBody(name: String, arguments: String) -> String {
        #"{"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"\#(name)","arguments":"\#(arguments)"}}]},"finish_reason":"tool_calls"}]}"#
    }

    static func record(_ output: String, tokens: Int, ttft: Double, total: Double, tool: Bool? = nil, schema: Bool? = nil) -> GoldenRecord {
        GoldenRecord(output: output, finishReason: "stop", promptTokens: 5, completionTokens: tokens, ttftMilliseconds: ttft,
                     meanITLMilliseconds: 5, totalMilliseconds: total, toolCalls: [], toolCallValid: tool, schemaValid: schema,
                     expectations: [], error: nil)
    }

    static func report() -> GoldenReport {
        let endpoints = [Endpoint(name: "A", baseURL: "http://a:1/v1", apiKey: "secret-a", model: "m"),
                         Endpoint(name: "B", baseURL: "http://b:1/v1", apiKey: "secret-b", model: "m")]
        let cases = [
            GoldenCaseResult(id: "greet", prompt: "hi", records: [record("Hello there friend", tokens: 3, ttft: 20, total: 50),
                                                                   record("Hello my friend", tokens: 4, ttft: 60, total: 90)]),
            GoldenCaseResult(id: "tool", prompt: "weather", records: [record("", tokens: 5, ttft: 30, total: 70, tool: true),
                                                                       record("", tokens: 5, ttft: 80, total: 120, tool: false)]),
            GoldenCaseResult(id: "json", prompt: "json", records: [record("{}", tokens: 2, ttft: 25, total: 40, schema: true),
                                                                    record("{}", tokens: 2, ttft: 70, total: 100, schema: true)]),
        ]
        return GoldenReport(endpoints: endpoints, cases: cases)
    }

    @Test func thresholdsDecideThePass() {
        var report = Self.report()
        #expect(report.summaries[1].toolSuccessRate == 0)
        #expect(report.summaries[0].toolSuccessRate == 1)
        #expect(report.cases[0].tokenDelta == 1)
        report.apply(GoldenThresholds(maxTTFTp95Ratio: 5))
        #expect(report.passed)
        report.apply(GoldenThresholds(maxTTFTp95Ratio: 2, minToolSuccess: 0.5, minSchemaSuccess: 1))
        #expect(!report.passed)
        #expect(report.thresholds.map(\.name) == ["max-ttft-p95-ratio", "min-tool-success", "min-schema-success"])
        #expect(report.thresholds.map(\.passed) == [false, false, true])
        let ratio = try? #require(report.thresholds.first?.actual)
        #expect(abs((ratio ?? 0) - 80.0 / 30.0) < 0.05)
    }

    @Test func htmlMarkdownAndJSONCarryTheRows() throws {
        var report = Self.report()
        report.apply(GoldenThresholds(minToolSuccess: 0.5))
        let html = report.html
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 3)
        #expect(html.contains("data-chart=\"cdf\""))
        for id in ["greet", "tool", "json"] { #expect(html.contains("<b>\(id)</b>")) }
        #expect(html.contains("<del>there </del>") && html.contains("<ins>my </ins>"))
        #expect(html.contains("(Δ +1)"))
        #expect(html.contains("min-tool-success"))
        #expect(!html.contains("<script") && !html.contains("src=\"http"))
        let markdown = report.markdown
        #expect(markdown.contains("| greet | ✓ | 3 | 20.0 | ✓ | 4 | 60.0 | 1 |"))
        #expect(markdown.contains("| min-tool-success | 0.50 | 0.00 | **FAIL** |"))
        let json = try JSONReport.encode(report)
        #expect(json.contains("\"passed\" : false"))
        #expect(json.contains("\"token_delta\" : 1"))
        #expect(!json.contains("secret-a"), "API keys must never reach a report")
    }
}

@Suite struct GoldenAgreementTests {
    static func record(_ output: String, tokens: Int, prompt: Int = 30, finish: String = "stop", error: String? = nil) -> GoldenRecord {
        GoldenRecord(output: output, finishReason: finish, promptTokens: prompt, completionTokens: tokens, ttftMilliseconds: 1,
                     meanITLMilliseconds: 1, totalMilliseconds: 2, toolCalls: [], toolCallValid: nil, schemaValid: nil,
                     expectations: [], error: error)
    }

    static func item(_ id: String, _ a: GoldenRecord, _ b: GoldenRecord, temperature: Double? = 0, constrained: Bool = false) -> GoldenCaseResult {
        GoldenCaseResult(id: id, prompt: id, records: [a, b], temperature: temperature, constrained: constrained)
    }

    @Test func countsIdenticalCasesAndSaysWhyOthersDiffer() {
        let endpoints = [Endpoint(name: "llama", baseURL: "http://a:1/v1", apiKey: nil, model: "m"),
                         Endpoint(name: "sy", baseURL: "http://b:1/v1", apiKey: nil, model: "m")]
        let report = GoldenReport(endpoints: endpoints, cases: [
            Self.item("same", Self.record("Paris.", tokens: 3), Self.record("Paris.", tokens: 3)),
            Self.item("template", Self.record("Hi", tokens: 2, prompt: 30), Self.record("Hello", tokens: 2, prompt: 12)),
            Self.item("sampled", Self.record("a", tokens: 1), Self.record("b", tokens: 1), temperature: nil),
            Self.item("accounting", Self.record("ok", tokens: 2), Self.record("ok", tokens: 3)),
            Self.item("stop", Self.record("1 2 3", tokens: 5, finish: "length"), Self.record("1 2", tokens: 3)),
            Self.item("numerics", Self.record("The sea is blue.", tokens: 5, prompt: 70), Self.record("The sea is deep.", tokens: 5, prompt: 70)),
            Self.item("failed", Self.record("", tokens: 0, error: "HTTP 500"), Self.record("x", tokens: 1)),
            Self.item("grammar", Self.record("{\"a\": 1}", tokens: 6), Self.record("{\"a\":1}", tokens: 5), constrained: true),
            Self.item("tools", Self.record("{}", tokens: 2, prompt: 38), Self.record("", tokens: 9, prompt: 180), constrained: true),
        ])
        let agreement = report.agreements[0]
        #expect(agreement.line == "llama vs sy: 1/9 identical (text, tool calls and completion tokens)")
        let causes = Dictionary(uniqueKeysWithValues: agreement.differences.map { ($0.id, $0.cause) })
        #expect(causes == ["template": .template, "sampled": .sampling, "accounting": .accounting, "stop": .stop,
                           "numerics": .numerics, "failed": .failed, "grammar": .constraint, "tools": .template])
        #expect(agreement.causeLine == "8 differ: 1 failed, 2 template, 1 sampling, 1 accounting, 1 constraint, 1 stop, 1 numerics")
        #expect(report.text.contains("  grammar [constraint]: same prompt (30 tokens), outputs diverge after 5 characters"))
        #expect(report.markdown.contains("- `tools` (template): prompt tokens differ (llama 38, sy 180)"))
        let json = try? JSONReport.encode(report)
        #expect(json?.contains("\"cause\" : \"constraint\"") == true)
        #expect(json?.contains("\"template\" : 2") == true)
        let reasons = Dictionary(uniqueKeysWithValues: agreement.differences.map { ($0.id, $0.reason) })
        #expect(reasons["template"] == "prompt tokens differ (llama 30, sy 12): the chat template is applied differently")
        #expect(reasons["sampled"] == "temperature is not pinned to 0 (server default): sampled outputs differ")
        #expect(reasons["accounting"] == "same text, different completion token counts (llama 2, sy 3): token accounting differs")
        #expect(reasons["stop"]?.hasSuffix("stop handling differs") == true)
        #expect(reasons["numerics"]?.hasPrefix("same prompt (70 tokens), outputs diverge after 11 characters") == true)
        #expect(reasons["failed"] == "llama failed: HTTP 500")
        #expect(report.text.contains("llama vs sy: 1/9 identical"))
        #expect(report.markdown.contains("- llama vs sy: 1/9 identical"))
    }
}
