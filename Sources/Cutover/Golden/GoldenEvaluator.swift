import Foundation
import OpenAIWire

/// Turns a chat outcome into a golden record by checking the case's expectations.
public enum GoldenEvaluator {
    /// Evaluates `outcome` as the answer to `item`.
    public static func record(for item: GoldenCase, outcome: ChatOutcome) -> GoldenRecord {
        let output = outcome.text
        var expectations: [ExpectationResult] = []
        let expect = item.expectation
        for needle in expect.contains {
            let found = output.range(of: needle, options: .caseInsensitive) != nil
            expectations.append(ExpectationResult(kind: "contains", passed: found, detail: found ? "found '\(needle)'" : "missing '\(needle)'"))
        }
        for needle in expect.notContains {
            let found = output.range(of: needle, options: .caseInsensitive) != nil
            expectations.append(ExpectationResult(kind: "not_contains", passed: !found, detail: found ? "contains '\(needle)'" : "absent '\(needle)'"))
        }
        if let pattern = expect.regex {
            let found = output.range(of: pattern, options: .regularExpression) != nil
            expectations.append(ExpectationResult(kind: "regex", passed: found, detail: found ? "matches /\(pattern)/" : "no match for /\(pattern)/"))
        }
        var schemaValid: Bool?
        if let schema = item.outputSchema {
            let problems: [String]
            if let value = try? JSONValue.parse(output.trimmingCharacters(in: .whitespacesAndNewlines)) {
                problems = JSONSchemaValidator.violations(of: value, against: schema)
            } else {
                problems = ["output is not JSON"]
            }
            schemaValid = problems.isEmpty
            if expect.jsonSchema != nil || item.responseFormat != nil {
                expectations.append(ExpectationResult(
                    kind: "json_schema", passed: problems.isEmpty,
                    detail: problems.isEmpty ? "valid" : problems.prefix(3).joined(separator: "; ")))
            }
        }
        var toolCallValid: Bool?
        if item.tools != nil || expect.toolName != nil {
            let (valid, detail) = judgeToolCalls(item: item, calls: outcome.toolCalls)
            toolCallValid = valid
            if expect.toolName != nil {
                expectations.append(ExpectationResult(kind: "tool_name", passed: valid, detail: detail))
            }
        }
        let mean = outcome.interTokenLatencies.isEmpty ? nil
            : outcome.interTokenLatencies.reduce(0, +) / Double(outcome.interTokenLatencies.count) * 1000
        return GoldenRecord(
            output: output, finishReason: outcome.finishReason, promptTokens: outcome.usage?.promptTokens,
            completionTokens: outcome.usage?.completionTokens, ttftMilliseconds: outcome.timeToFirstToken.map { $0 * 1000 },
            meanITLMilliseconds: mean, totalMilliseconds: outcome.totalLatency * 1000, toolCalls: outcome.toolCalls,
            toolCallValid: toolCallValid, schemaValid: schemaValid, expectations: expectations, error: outcome.failureReason)
    }

    /// A tool turn is valid when some call names a declared tool (the expected one, if given)
    /// and its arguments parse and satisfy that tool's parameter schema.
    static func judgeToolCalls(item: GoldenCase, calls: [ToolCallRecord]) -> (Bool, String) {
        guard !calls.isEmpty else { return (false, "no tool call") }
        var declared: [String: JSONValue] = [:]
        for tool in item.tools?.arrayValue ?? [] {
            if let name = tool["function"]?["name"]?.stringValue { declared[name] = tool["function"]?["parameters"] ?? [:] }
        }
        var reasons: [String] = []
        for call in calls {
            let name = call.name ?? ""
            if let wanted = item.expectation.toolName, name != wanted { reasons.append("called '\(name)', expected '\(wanted)'"); continue }
            let schema: JSONValue
            if let declaredSchema = declared[name] {
                schema = declaredSchema
            } else if item.tools == nil {
                schema = .object(JSONObject())
            } else {
                reasons.append("called undeclared tool '\(name)'"); continue
            }
            guard let arguments = call.parsedArguments else { reasons.append("\(name): arguments are not a JSON object"); continue }
            let problems = JSONSchemaValidator.violations(of: arguments, against: schema)
            if problems.isEmpty { return (true, "\(name)(\(excerpt(call.arguments, limit: 60)))") }
            reasons.append("\(name): \(problems.prefix(2).joined(separator: "; "))")
        }
        return (false, reasons.joined(separator: "; "))
    }
}
