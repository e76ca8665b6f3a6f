import Templating
import Testing

/// One template rendered with one context, by jinja2 and by `ChatTemplate`.
struct TemplateCase: Sendable, CustomStringConvertible {
    var template: String
    var name: String
    var context: String
    var description: String { "\(template): \(name)" }

    static func cases(_ templates: [String], _ contexts: [(String, String)]) -> [TemplateCase] {
        templates.flatMap { template in contexts.map { TemplateCase(template: template, name: $0.0, context: $0.1) } }
    }

    static let all: [TemplateCase] =
        cases(["smollm2.jinja", "llama-3.jinja", "llama-3.1.jinja", "llama-3.2.jinja", "qwen2.5.jinja", "mistral-nemo.jinja",
               "mistral-7b-v0.2.jinja", "gemma-2.jinja", "gemma-3.jinja", "phi-3.5.jinja", "phi-3-mini-old.jinja"], Conversations.basic)
        + cases(["llama-3.1.jinja", "llama-3.2.jinja", "qwen2.5.jinja", "mistral-nemo.jinja", "smollm2.jinja"], Conversations.tools)
        + cases(["llama-3.1.jinja", "llama-3.2.jinja"], Conversations.llama31)
        + cases(["qwen3.jinja", "hermes-3-tool-use.jinja", "deepseek-r1-distill-qwen.jinja", "smollm3.jinja", "seed-oss.jinja"],
                Conversations.basic + Conversations.tools)
        + cases(["gemma-2.jinja", "gemma-3.jinja", "mistral-7b-v0.2.jinja", "mistral-nemo.jinja", "qwen2.5.jinja"], Conversations.roles)
}

@Suite("Chat templates render as Python's jinja2 does")
struct ReferenceComparisonTests {
    @Test("real model templates", arguments: TemplateCase.all)
    func matchesJinja2(_ testCase: TemplateCase) throws {
        let source = try ReferenceRenderer.templateSource(testCase.template)
        let expected = try ReferenceRenderer.python(source: source, contextJSON: testCase.context)
        let actual = ReferenceRenderer.swift(source: source, contextJSON: testCase.context)
        expectSameOutcome(actual, expected)
    }

    @Test("templates render at least one case without error")
    func casesAreNotAllFailures() throws {
        // Guards the comparison itself: a broken reference setup would make every case fail
        // on both sides and still "match".
        for template in Set(TemplateCase.all.map(\.template)) {
            let source = try ReferenceRenderer.templateSource(template)
            let rendered = try TemplateCase.all.filter { $0.template == template }.contains {
                !(try ReferenceRenderer.python(source: source, contextJSON: $0.context).isFailure)
            }
            #expect(rendered, "\(template) failed every context in jinja2")
        }
    }
}

/// Same text, or both failing; when jinja2's failure is `raise_exception`, the same message.
func expectSameOutcome(_ actual: ReferenceRenderer.Outcome, _ expected: ReferenceRenderer.Outcome, sourceLocation: SourceLocation = #_sourceLocation) {
    switch expected {
    case .rendered:
        #expect(actual == expected, sourceLocation: sourceLocation)
    case .failed(let message):
        let raisedPrefix = "TemplateError: "
        if message.hasPrefix(raisedPrefix) {
            #expect(actual == .failed(String(message.dropFirst(raisedPrefix.count))), sourceLocation: sourceLocation)
        } else {
            #expect(actual.isFailure, "jinja2 failed with \(message)", sourceLocation: sourceLocation)
        }
    }
}
