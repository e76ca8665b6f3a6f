import Cutover
import Foundation
import Testing

@Suite struct AuditTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    struct Key: Hashable, CustomStringConvertible {
        var file: String
        var line: Int
        var rule: AuditRule
        var description: String { "\(file):\(line) \(rule.rawValue)" }
    }

    /// Every finding the dirty sample must produce, and nothing else.
    static let expected: Set<Key> = [
        Key(file: "Assistant.java", line: 12, rule: .unpinnedSampling),
        Key(file: "Assistant.java", line: 13, rule: .hardCodedModel),
        Key(file: "Assistant.java", line: 15, rule: .featureNeedsProbe),
        Key(file: "Chat.swift", line: 5, rule: .hardCodedTokenLimit),
        Key(file: "Chat.swift", line: 8, rule: .hardCodedModel),
        Key(file: "Chat.swift", line: 8, rule: .unpinnedSampling),
        Key(file: "agent.ts", line: 3, rule: .hardCodedBaseURL),
        Key(file: "agent.ts", line: 9, rule: .featureNeedsProbe),
        Key(file: "agent.ts", line: 10, rule: .featureNeedsProbe),
        Key(file: "bot.rb", line: 5, rule: .hardCodedBaseURL),
        Key(file: "bot.rb", line: 10, rule: .hardCodedModel),
        Key(file: "bot.rb", line: 12, rule: .featureNeedsProbe),
        Key(file: "chat.py", line: 2, rule: .clientSideTokenCount),
        Key(file: "chat.py", line: 5, rule: .hardCodedBaseURL),
        Key(file: "chat.py", line: 6, rule: .hardCodedTokenLimit),
        Key(file: "chat.py", line: 10, rule: .clientSideTokenCount),
        Key(file: "chat.py", line: 10, rule: .hardCodedModel),
        Key(file: "chat.py", line: 15, rule: .unpinnedSampling),
        Key(file: "chat.py", line: 16, rule: .hardCodedModel),
        Key(file: "chat.py", line: 18, rule: .hardCodedTokenLimit),
        Key(file: "chat.py", line: 28, rule: .featureNeedsProbe),
        Key(file: "chat.py", line: 29, rule: .featureNeedsProbe),
        Key(file: "client.js", line: 6, rule: .unpinnedSampling),
        Key(file: "client.js", line: 7, rule: .hardCodedModel),
        Key(file: "client.js", line: 9, rule: .featureNeedsProbe),
        Key(file: "client.js", line: 16, rule: .clientSideTokenCount),
        Key(file: "main.go", line: 10, rule: .unpinnedSampling),
        Key(file: "main.go", line: 11, rule: .hardCodedModel),
        Key(file: "main.go", line: 12, rule: .hardCodedTokenLimit),
    ]

    @Test func dirtyAppHasExactlyTheKnownFindings() throws {
        let report = try Auditor().scan(root: Self.fixtures.appendingPathComponent("dirty_app").path)
        #expect(report.filesScanned == 7)
        let found = Set(report.findings.map { Key(file: $0.file, line: $0.line, rule: $0.rule) })
        #expect(found.subtracting(Self.expected).isEmpty, "unexpected: \(found.subtracting(Self.expected))")
        #expect(Self.expected.subtracting(found).isEmpty, "missed: \(Self.expected.subtracting(found))")
        #expect(report.findings.count == Self.expected.count)
        for rule in AuditRule.allCases { #expect((report.countsByRule[rule.rawValue] ?? 0) > 0, "no \(rule) finding") }
        let model = try #require(report.findings.first { $0.file == "chat.py" && $0.line == 16 })
        #expect(model.what == "model \"gpt-4o-mini\"")
        #expect(!model.why.isEmpty && !model.action.isEmpty)
        #expect(report.text.contains("29 finding(s) in 7 of 7 file(s) scanned"))
    }

    @Test func cleanAppHasNoFindings() throws {
        let report = try Auditor().scan(root: Self.fixtures.appendingPathComponent("clean_app").path)
        #expect(report.filesScanned == 7)
        #expect(report.findings.isEmpty, "false positives: \(report.findings.map { "\($0.file):\($0.line) \($0.rule)" })")
    }

    @Test func commentsAndEnvironmentDefaultsAreNotFindings() {
        let source = """
            # model = "gpt-4o" was used before
            MODEL = os.getenv("MODEL", "gpt-4o")
            URL = os.environ.get("BASE", "https://api.openai.com/v1")
            random.seed(4)
            """
        #expect(Auditor().scan(text: source, file: "x.py", language: .python).isEmpty)
        let js = "/* tiktoken\n  gpt-4o */\nconst n = 4;"
        #expect(Auditor().scan(text: js, file: "x.js", language: .javascript).isEmpty)
    }

    @Test func declarationsAndNonClientCodeAreNotRequestFindings() {
        // No LLM client in the file: `seed` and `max_tokens` here are someone else's.
        let game = "def roll(seed=42, max_tokens=3):\n    return {\"seed\": seed}"
        #expect(Auditor().scan(text: game, file: "game.py", language: .python).isEmpty)
        let swift = """
            import OpenAI
            struct Settings {
                var seed: UInt64
                let tools: [Tool]
                case logprobs
            }
            let query = ChatQuery(messages: messages, model: model, temperature: 0, seed: 7)
            """
        let findings = Auditor().scan(text: swift, file: "S.swift", language: .swift)
        #expect(findings.map { "\($0.line) \($0.rule.rawValue)" } == ["7 feature_needs_probe"])
    }

    @Test func missingPathIsAnInputError() {
        #expect(throws: CutoverError.self) { try Auditor().scan(root: "/nonexistent/switchyard-audit") }
    }
}
