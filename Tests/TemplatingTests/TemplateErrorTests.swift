import Templating
import Testing

/// Error reporting: where, what, and that nothing crashes or runs away.
@Suite("Template errors and limits")
struct TemplateErrorTests {
    func parseError(_ source: String) -> TemplateError? {
        do {
            _ = try ChatTemplate(source: source)
            return nil
        } catch {
            return error
        }
    }

    func renderError(_ source: String, _ context: [String: TemplateValue] = [:], limits: RenderLimits = RenderLimits()) -> TemplateError? {
        do {
            _ = try ChatTemplate(source: source, limits: limits).render(context)
            return nil
        } catch {
            return error
        }
    }

    @Test("syntax error names line, column and the problem")
    func syntaxErrorPosition() throws {
        let error = try #require(parseError("line one\n  {{ 'a' + }}"))
        #expect(error.kind == .syntax)
        #expect(error.line == 2)
        #expect(error.column == 12)
        #expect(error.message.contains("end of print statement"))
        #expect(error.description.contains("line 2, column 12"))
    }

    @Test("unclosed block and unknown tag are syntax errors")
    func unclosedBlock() throws {
        let unclosed = try #require(parseError("{% if x %}\nhello"))
        #expect(unclosed.kind == .syntax)
        #expect(unclosed.message.contains("endif"))
        let mismatched = try #require(parseError("{% if x %}\n{% endfor %}"))
        #expect(mismatched.line == 2)
        #expect(mismatched.message.contains("endfor"))
        #expect(parseError("{% include 'x' %}")?.kind == .syntax)
        #expect(parseError("{{ 'unterminated }}")?.kind == .syntax)
        #expect(parseError("{# no end")?.kind == .syntax)
        #expect(parseError("{{ (1 }}")?.kind == .syntax)
        #expect(parseError("{% break %}")?.kind == .syntax)
    }

    @Test("unknown filter and test fail at parse time, except inside if as in jinja2")
    func unknownFilter() throws {
        let filter = try #require(parseError("ok\n{{ x | nosuch }}"))
        #expect(filter.kind == .unknownFilter)
        #expect(filter.message == "No filter named 'nosuch'.")
        #expect(filter.line == 2)
        #expect(parseError("{{ x is nosuch }}")?.kind == .unknownTest)
        // Guarded by an if, jinja2 only fails when the filter actually runs.
        #expect(try ChatTemplate(source: "{{ (1|nosuch) if none }}{{ 2 if none else 3|nosuch2 if none }}ok").render([:]) == "ok")
        #expect(parseError("{{ [1|nosuch] }}")?.kind == .unknownFilter)
        #expect(parseError("{% for x in y %}{% if x %}{% endif %}{{ (x|nosuch, 1) }}{% endfor %}")?.kind == .unknownFilter)
        #expect(parseError("{% if a %}{% for x in y %}{{ x|nosuch }}{% endfor %}{% endif %}")?.kind == .unknownFilter)
        let guarded = try ChatTemplate(source: "{% if x %}{{ x | nosuch }}{% endif %}")
        #expect(try guarded.render([:]) == "")
        #expect(throws: TemplateError.self) { try guarded.render(["x": true]) }
    }

    @Test("raise_exception surfaces its message as is")
    func raiseException() throws {
        let error = try #require(renderError("{% if messages|length == 0 %}{{ raise_exception('Need at least one message: ' ~ count) }}{% endif %}", ["messages": [], "count": 0]))
        #expect(error.kind == .raised)
        #expect(error.message == "Need at least one message: 0")
        #expect(error.description == "Need at least one message: 0")
    }

    @Test("strict use of undefined values is an error with position")
    func undefinedErrors() throws {
        let error = try #require(renderError("a\nb {{ message.content }}"))
        #expect(error.kind == .undefined)
        #expect(error.message == "'message' is undefined")
        #expect(error.line == 2)
        #expect(try ChatTemplate(source: "{{ missing }}{{ missing is defined }}{{ missing|length }}").render([:]) == "False0")
    }

    @Test("runaway templates stop at the limits instead of hanging or crashing")
    func limits() throws {
        let small = RenderLimits(maxOutputBytes: 1000, maxIterations: 500, maxDepth: 60)
        #expect(renderError("{% for i in range(100) %}{% for j in range(100) %}x{% endfor %}{% endfor %}", limits: small)?.kind == .limit)
        #expect(renderError("{{ 'x' * 100000 }}", limits: small)?.kind == .limit)
        #expect(renderError("{% for i in range(2000) %}{{ 'abcdef' }}{% endfor %}", limits: RenderLimits(maxOutputBytes: 1000))?.kind == .limit)
        #expect(renderError("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}")?.kind == .limit)
        #expect(renderError("{{ range(1000000) }}")?.kind == .limit)
        #expect(renderError("{{ 9223372036854775807 + 1 }}")?.kind == .type)
        #expect(renderError("{{ 2 ** 64 }}")?.kind == .type)
        let deep = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        #expect(parseError("{{ \(deep) }}")?.kind == .limit)
        let nested = String(repeating: "{% if true %}", count: 500) + String(repeating: "{% endif %}", count: 500)
        #expect(parseError(nested)?.kind == .limit)
        var deepValue = TemplateValue.int(1)
        for _ in 0..<1000 { deepValue = .array([deepValue]) }
        #expect(throws: TemplateError.self) { try ChatTemplate(source: "{{ v|tojson }}").render(["v": deepValue]) }
        #expect(try ChatTemplate(source: "{{ v|length }}").render(["v": deepValue]) == "1")
    }

    @Test("JSON text round-trips through TemplateValue with key order")
    func jsonRoundTrip() throws {
        let text = #"{"b": 1, "a": [1.5, "é\n", null, true], "c": {}}"#
        let value = try TemplateValue(json: text)
        #expect(try value.jsonString() == text)
        #expect(throws: TemplateError.self) { try TemplateValue(json: "{\"a\": }") }
    }
}
