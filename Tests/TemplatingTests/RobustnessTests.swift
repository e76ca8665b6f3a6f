import Templating
import Testing

/// Broken and random templates must fail cleanly: a thrown `TemplateError`, never a trap or a hang.
@Suite("Robustness on malformed input")
struct RobustnessTests {
    static let limits = RenderLimits(maxOutputBytes: 100_000, maxIterations: 10_000, maxDepth: 100)
    static let context: [String: TemplateValue] = [
        "messages": [["role": "system", "content": "s"], ["role": "user", "content": "u"], ["role": "assistant", "content": "a"]],
        "tools": [["type": "function", "function": ["name": "f", "parameters": [:]]]],
        "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>",
    ]

    /// Parses and renders; returns whether it rendered. Any failure must be a TemplateError.
    static func attempt(_ source: String) -> Bool {
        do {
            _ = try ChatTemplate(source: source, limits: limits).render(context)
            return true
        } catch {
            _ = error.description
            return false
        }
    }

    @Test("every prefix and single-character deletion of the real templates")
    func truncatedTemplates() throws {
        var rendered = 0
        var failed = 0
        for name in ["llama-3.1.jinja", "qwen2.5.jinja", "mistral-nemo.jinja", "gemma-3.jinja"] {
            let scalars = Array(try ReferenceRenderer.templateSource(name).unicodeScalars)
            for cut in stride(from: 0, to: scalars.count, by: 13) {
                var prefix = String.UnicodeScalarView()
                prefix.append(contentsOf: scalars[..<cut])
                if Self.attempt(String(prefix)) { rendered += 1 } else { failed += 1 }
                var deleted = String.UnicodeScalarView()
                deleted.append(contentsOf: scalars[..<cut])
                deleted.append(contentsOf: scalars[(cut + 1)...])
                if Self.attempt(String(deleted)) { rendered += 1 } else { failed += 1 }
            }
        }
        #expect(rendered > 0)
        #expect(failed > 0)
    }

    @Test("random token soup")
    func randomSoup() {
        let fragments = [
            "{{", "}}", "{%", "%}", "{#", "#}", "{%-", "-%}", "{{-", "-}}", " if ", " for ", " in ", " endif ", " endfor ",
            " set ", " = ", " x ", " messages ", "[", "]", "(", ")", "{", "}", "'s'", "\"q\"", "1", "-1", "2.5", " | ",
            "length", "tojson", " is ", " not ", " defined ", ".", "role", ":", ",", "~", "+", "*", "**", "//", "%",
            " and ", " or ", " else ", " elif ", " macro ", " endmacro ", " loop ", "\n", "  ", "text", "\\", "'", "\"",
            " namespace(a=1) ", " raw ", " endraw ", " range(9) ", " break ", " continue ", "é", "😀",
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var rendered = 0
        for _ in 0..<3000 {
            var source = ""
            for _ in 0..<(1 + next(30)) { source += fragments[next(fragments.count)] }
            if Self.attempt(source) { rendered += 1 }
        }
        #expect(rendered > 0)
    }
}
