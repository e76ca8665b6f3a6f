/// How far a candidate endpoint's golden outputs agree with the baseline's, case by case: the
/// check that two servers of the same model file compute the same thing.
///
/// A case is identical when both answered with the same text, the same tool calls and the same
/// completion token count. Where they differ, the reason names the first thing that explains it,
/// in the order a migrating team would look: a failed request, a different prompt (chat template),
/// unpinned sampling, token accounting, stop handling, constrained output, then numerics.
public struct GoldenAgreement: Sendable, Codable, Hashable {
    public struct Difference: Sendable, Codable, Hashable {
        public var id: String
        public var reason: String
    }

    public var baseline: String
    public var candidate: String
    public var identical: Int
    public var compared: Int
    public var differences: [Difference]

    /// Compares the records at `candidateIndex` with those at 0.
    init(cases: [GoldenCaseResult], baseline: String, candidate: String, candidateIndex: Int) {
        self.baseline = baseline
        self.candidate = candidate
        var identical = 0
        var compared = 0
        var differences: [Difference] = []
        for item in cases where item.records.count > candidateIndex {
            compared += 1
            if let reason = Self.difference(item, item.records[0], item.records[candidateIndex], names: (baseline, candidate)) {
                differences.append(Difference(id: item.id, reason: reason))
            } else {
                identical += 1
            }
        }
        self.identical = identical
        self.compared = compared
        self.differences = differences
    }

    /// "A vs B: 26/26 identical (text, tool calls and completion tokens)".
    public var line: String {
        "\(baseline) vs \(candidate): \(identical)/\(compared) identical (text, tool calls and completion tokens)"
    }

    /// Why two records differ, or nil when they are identical.
    static func difference(_ item: GoldenCaseResult, _ a: GoldenRecord, _ b: GoldenRecord, names: (String, String)) -> String? {
        let textSame = a.output == b.output
        let callsSame = a.toolCalls.map { [$0.name ?? "", $0.arguments] } == b.toolCalls.map { [$0.name ?? "", $0.arguments] }
        if a.error == nil, b.error == nil, textSame, callsSame, a.completionTokens == b.completionTokens {
            return nil
        }
        if let error = a.error { return "\(names.0) failed: \(error)" }
        if let error = b.error { return "\(names.1) failed: \(error)" }
        let tokens = "\(names.0) \(a.completionTokens.map(String.init) ?? "?"), \(names.1) \(b.completionTokens.map(String.init) ?? "?")"
        if let left = a.promptTokens, let right = b.promptTokens, left != right {
            return "prompt tokens differ (\(names.0) \(left), \(names.1) \(right)): the chat template is applied differently"
        }
        if item.temperature != 0 {
            return "temperature is not pinned to 0 (\(item.temperature.map { format($0, digits: 2) } ?? "server default")): sampled outputs differ"
        }
        if textSame && callsSame {
            return "same text, different completion token counts (\(tokens)): token accounting differs"
        }
        let common = zip(a.output, b.output).prefix { $0 == $1 }.count
        if !callsSame && (a.toolCalls.isEmpty || b.toolCalls.isEmpty || item.constrained) {
            return "tool calls differ (\(names.0): \(Self.calls(a)), \(names.1): \(Self.calls(b)))"
        }
        if common == min(a.output.count, b.output.count), a.finishReason != b.finishReason {
            return "one output stops earlier (\(names.0) finish_reason \(a.finishReason ?? "nil"), \(names.1) \(b.finishReason ?? "nil"); "
                + "completion tokens \(tokens)): stop handling differs"
        }
        var reason = "same prompt (\(a.promptTokens.map(String.init) ?? "?") tokens), outputs diverge after \(common) characters "
            + "(\(ProbeRunner.firstDifference(a.output, b.output))); completion tokens \(tokens)"
        if item.constrained { reason += "; the case constrains the output (tools or response_format), which each server enforces its own way" }
        return reason
    }

    private static func calls(_ record: GoldenRecord) -> String {
        record.toolCalls.isEmpty ? "text '\(excerpt(record.output, limit: 40))'"
            : record.toolCalls.map { "\($0.name ?? "?")(\(excerpt($0.arguments, limit: 40)))" }.joined(separator: ", ")
    }
}
