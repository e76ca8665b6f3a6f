import Foundation
import Templating
import Testing

/// One case of Templates/family_renders.json: a template, the variables it was called with, and
/// what jinja2 3.1.6 made of it (scripts/chat-templates/render_fixtures.py writes the file).
struct FamilyCase: Sendable, CustomStringConvertible {
    var template: String
    var name: String
    var context: TemplateObject
    var expected: ReferenceRenderer.Outcome
    /// The error was the template's own `raise_exception(message)`, whose message must match.
    var raised: Bool
    var description: String { "\(template): \(name)" }

    static let fixtureURL = ReferenceRenderer.templatesDirectory.appendingPathComponent("family_renders.json")

    static func load() throws -> [FamilyCase] {
        guard case .array(let entries) = try TemplateValue(json: String(contentsOf: fixtureURL, encoding: .utf8)) else { return [] }
        return entries.compactMap { entry -> FamilyCase? in
            guard case .object(let object) = entry, case .string(let template) = object["template"],
                  case .string(let name) = object["name"], case .object(let context) = object["context"]
            else { return nil }
            if case .string(let text) = object["rendered"] {
                return FamilyCase(template: template, name: name, context: context, expected: .rendered(text), raised: false)
            }
            if case .string(let message) = object["raised"] {
                return FamilyCase(template: template, name: name, context: context, expected: .failed(message), raised: true)
            }
            if case .string(let message) = object["failed"] {
                return FamilyCase(template: template, name: name, context: context, expected: .failed(message), raised: false)
            }
            return nil
        }
    }

    /// Loaded once for the parameterised test; a missing or broken file leaves it empty, which
    /// `fixtureIsComplete` reports.
    static let all: [FamilyCase] = (try? load()) ?? []
}

@Suite("Chat templates of the served families render as the committed jinja2 outputs")
struct FamilyTemplateFixtureTests {
    @Test("byte for byte", arguments: FamilyCase.all)
    func matchesFixture(_ testCase: FamilyCase) throws {
        let source = try ReferenceRenderer.templateSource(testCase.template)
        var variables: [String: TemplateValue] = [:]
        for entry in testCase.context.entries { variables[entry.key] = entry.value }
        let actual: ReferenceRenderer.Outcome
        do {
            actual = .rendered(try ChatTemplate(source: source).render(variables))
        } catch {
            actual = .failed(error.description)
        }
        if testCase.raised || !testCase.expected.isFailure {
            #expect(actual == testCase.expected)
        } else {
            #expect(actual.isFailure, "jinja2 failed with \(testCase.expected)")
        }
    }

    @Test func fixtureIsComplete() throws {
        let cases = try FamilyCase.load()
        #expect(cases.count == FamilyCase.all.count)
        let templates = Set(cases.map(\.template))
        #expect(templates == ["qwen2.5.jinja", "qwen3.jinja", "llama-3.1.jinja", "llama-3.2.jinja", "hermes-3-tool-use.jinja",
                              "mistral-nemo.jinja", "phi-3.5.jinja"])
        #expect(cases.filter { !$0.expected.isFailure }.count >= 85, "most cases render")
    }
}
