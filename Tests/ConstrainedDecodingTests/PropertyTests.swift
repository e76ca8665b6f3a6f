import ConstrainedDecoding
import Foundation
import OpenAIWire
import TestSupport
import Testing

/// Generated schemas × seeded random walks over the real SmolLM2 vocabulary: every output
/// must parse and validate according to Python's `jsonschema` (the independent judge),
/// and the masks must agree with the byte matcher.
@Suite(.enabled(if: RealVocabulary.isAvailable, "needs the SmolLM2 model file"))
struct PropertyTests {
    static let schemaCount = 36
    static let walksPerSchema = 2

    @Test func randomWalksValidateAgainstTheirSchemas() throws {
        let vocabulary = try #require(RealVocabulary.shared)
        var cases: [String] = []
        var allTimes: [Double] = []
        var totalTokens = 0
        var largestGrammar = 0
        for index in 0..<PropertyTests.schemaCount {
            var generator = SchemaGenerator(seed: UInt64(1000 + index))
            let schema = generator.root(index: index)
            let grammar = try JSONSchemaCompiler.compile(schema, strict: true)
            largestGrammar = max(largestGrammar, grammar.stateCount)
            for walkIndex in 0..<PropertyTests.walksPerSchema {
                var walk = RandomWalk(grammar: grammar, vocabulary: vocabulary, seed: UInt64(index * 31 + walkIndex))
                let ended = walk.run(checkEvery: walkIndex == 0 ? 9 : 0)
                let text = String(decoding: walk.output, as: UTF8.self)
                #expect(ended, "walk did not finish: schema \(schema.jsonString) output \(text)")
                #expect(walk.problems.isEmpty, "\(walk.problems.prefix(3)) schema \(schema.jsonString)")
                #expect((try? JSONValue.parse(text)) != nil, "not JSON: \(text)")
                let line: JSONValue = .object(JSONObject([
                    JSONObject.Entry(key: "schema", value: schema), JSONObject.Entry(key: "output", value: .string(text)),
                ]))
                cases.append(line.jsonString)
                allTimes += walk.maskMilliseconds
                totalTokens += walk.tokenCount
            }
        }
        // json_object mode: any object.
        for seed in 0..<6 {
            var walk = RandomWalk(grammar: .jsonObject, vocabulary: vocabulary, seed: UInt64(500 + seed))
            let ended = walk.run(checkEvery: 13)
            let text = String(decoding: walk.output, as: UTF8.self)
            #expect(ended && walk.problems.isEmpty, "\(walk.problems.prefix(3)) \(text)")
            let line: JSONValue = .object(JSONObject([
                JSONObject.Entry(key: "schema", value: ["type": "object"]), JSONObject.Entry(key: "output", value: .string(text)),
            ]))
            cases.append(line.jsonString)
            allTimes += walk.maskMilliseconds
            totalTokens += walk.tokenCount
        }
        let verdict = try PythonJudge.validate(lines: cases)
        #expect(verdict.status == 0, "\(verdict.output)")
        print("property test: \(cases.count) outputs, \(totalTokens) tokens; mask p50 \(percentile(allTimes, 0.5)) ms, p99 \(percentile(allTimes, 0.99)) ms (cold caches included); largest grammar \(largestGrammar) states; judge: \(verdict.output.split(separator: "\n").last ?? "")")
    }

    @Test func toolCallWalksProduceValidArguments() throws {
        let vocabulary = try #require(RealVocabulary.shared)
        var cases: [String] = []
        var generator = SchemaGenerator(seed: 77)
        let tools = (0..<3).map { index in ToolSpec(name: "tool_\(index)", parameters: generator.object(depth: 0), strict: true) }
        for (seed, choice) in [(1, ToolChoiceMode.required), (2, .function("tool_1")), (3, .required), (4, .required)] {
            let grammar = try ToolCallGrammar.build(tools: tools, choice: choice, parallel: seed > 2)
            var walk = RandomWalk(grammar: grammar, vocabulary: vocabulary, seed: UInt64(seed))
            let ended = walk.run(checkEvery: 11)
            #expect(ended && walk.problems.isEmpty, "\(walk.problems.prefix(3))")
            let text = String(decoding: walk.output, as: UTF8.self)
            var calls = text.components(separatedBy: "\n</tool_call>\n<tool_call>\n")
            calls[0] = String(calls[0].dropFirst("<tool_call>\n".count))
            calls[calls.count - 1] = String(calls[calls.count - 1].dropLast("\n</tool_call>".count))
            if seed <= 2 { #expect(calls.count == 1) }
            for call in calls {
                let value = try JSONValue.parse(call)
                let name = try #require(value["name"]?.stringValue)
                if case .function(let wanted) = choice { #expect(name == wanted) }
                let tool = try #require(tools.first { $0.name == name })
                let line: JSONValue = .object(JSONObject([
                    JSONObject.Entry(key: "schema", value: tool.parameters ?? .bool(true)),
                    JSONObject.Entry(key: "output", value: .string(value["arguments"]?.jsonString ?? "")),
                ]))
                cases.append(line.jsonString)
            }
        }
        let verdict = try PythonJudge.validate(lines: cases)
        #expect(verdict.status == 0, "\(verdict.output)")
    }
}

/// Runs Tests/ConstrainedDecodingTests/validate_outputs.py on a batch of cases.
enum PythonJudge {
    static func validate(lines: [String]) throws -> (status: Int32, output: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-grammar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("cases.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        let script = SharedFixtures.packageRoot.appendingPathComponent("Tests/ConstrainedDecodingTests/validate_outputs.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, input.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
