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

    /// Python shapes found in real applications (llm 0.36, shell-gpt 1.5.1): only a request's
    /// keys are features, not parameters, annotations, loop variables or plain variables.
    @Test func pythonFeaturesAreRequestKeysOnly() {
        let source = """
            import openai
            def prompt(self, tools=None, seed: int | None = None):
                tools = []
                seed: int | None = Field(default=None)
                for tool in tools:
                    pass
                if "tools" not in kwargs and self.tools:
                    pass
                additional_kwargs["tool_choice"] = "auto"
                body = {"response_format": {"type": "json_object"}}
                client.chat.completions.create(model=m, messages=msgs, temperature=0, tools=tools)
                text = \"""
                seed=4 and tools={"x": 1} in a prompt string
                \"""
            """
        let findings = Auditor().scan(text: source, file: "app.py", language: .python)
        #expect(findings.map { "\($0.line) \($0.rule.rawValue) \($0.what)" } == [
            "9 feature_needs_probe uses `tool_choice`",
            "10 feature_needs_probe uses `response_format`",
            "11 feature_needs_probe uses `tools`",
        ])
    }

    @Test func aFileThatOnlyMentionsOpenAIInProseIsNoClient() {
        let source = """
            def setup():
                \"""To get started with OpenAI, set OPENAI_API_KEY.\"""
                # OpenAI's adapters call this with tools
                return Prompt(text, tools=tools, seed=4)
            """
        #expect(Auditor().scan(text: source, file: "cli.py", language: .python).isEmpty)
    }

    @Test func aCallThatSpreadsItsArgumentsIsNotJudgedOnSampling() {
        let source = """
            from openai import OpenAI
            completion = client.chat.completions.create(
                model=self.model_id,
                messages=messages,
                **kwargs,
            )
            other = client.chat.completions.create(model=self.model_id, messages=messages)
            """
        let findings = Auditor().scan(text: source, file: "app.py", language: .python)
        #expect(findings.map { "\($0.line) \($0.rule.rawValue)" } == ["7 unpinned_sampling"])
    }

    @Test func aFileNamingManyModelsIsOneModelTableFinding() throws {
        let source = """
            MODELS = [
                "gpt-4o",
                "gpt-4o-mini",
                "gpt-4.1",
                "gpt-4o",
            ]
            """
        let findings = Auditor().scan(text: source, file: "models.py", language: .python)
        let table = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(table.rule == .hardCodedModel && table.line == 2)
        #expect(table.what == "model table: 4 literals, 3 distinct (\"gpt-4o\", \"gpt-4o-mini\", \"gpt-4.1\") at lines 2, 3, 4, 5")
        let three = "a = \"gpt-4o\"\nb = \"gpt-4o-mini\"\nc = \"gpt-4.1\""
        #expect(Auditor().scan(text: three, file: "m.py", language: .python).count == 3)
    }

    @Test func fourBytesPerFloatIsNotACharactersPerTokenEstimate() {
        let floats = "import struct\ndef decode(binary):\n    return struct.unpack(\"<\" + \"f\" * (len(binary) // 4), binary)"
        #expect(Auditor().scan(text: floats, file: "x.py", language: .python).isEmpty)
        let estimate = "def count_tokens(text):\n    return len(text) // 4"
        #expect(Auditor().scan(text: estimate, file: "x.py", language: .python).map(\.rule) == [.clientSideTokenCount])
    }

    @Test func testCodeIsSkippedUnlessAskedFor() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("audit-tests-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: root) }
        let tests = root.appendingPathComponent("tests")
        try FileManager.default.createDirectory(at: tests, withIntermediateDirectories: true)
        let call = "import openai\nMODEL = \"gpt-4o\"\n"
        for path in ["app.py", "tests/test_app.py", "test_other.py", "web/chat.test.ts", "Sources/ChatTests.swift"] {
            let file = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try call.write(to: file, atomically: true, encoding: .utf8)
        }
        let report = try Auditor().scan(root: root.path)
        #expect(report.filesScanned == 1 && report.testFilesSkipped == 4)
        #expect(report.findings.map(\.file) == ["app.py"])
        #expect(report.text.contains("(4 test file(s) not scanned; --include-tests scans them)"))
        let everything = try Auditor(includeTests: true).scan(root: root.path)
        #expect(everything.filesScanned == 5 && everything.testFilesSkipped == 0)
    }

    @Test func missingPathIsAnInputError() {
        #expect(throws: CutoverError.self) { try Auditor().scan(root: "/nonexistent/switchyard-audit") }
    }
}
