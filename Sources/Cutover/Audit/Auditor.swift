import Foundation

/// Scans a codebase for what a migration to another OpenAI-compatible endpoint must revisit.
///
/// Line-oriented pattern matching, tuned for few false positives: comment lines are skipped,
/// values read from the environment count as configurable, and sampling is only judged on
/// calls whose request is written inline.
public struct Auditor: Sendable {
    /// Directories never descended into.
    public static let skippedDirectories: Set<String> = [
        ".git", "node_modules", ".build", ".venv", "venv", "__pycache__", "dist", "build", "vendor", "Pods", "target", ".tox",
    ]

    /// Whether test code (`tests/`, `test_*.py`, `*.test.ts`, …) is scanned: its mocked model
    /// names and fixtures are rarely what a migration must change, so by default it is not.
    public var includeTests: Bool

    public init(includeTests: Bool = false) {
        self.includeTests = includeTests
    }

    /// Scans every source file under `root` (a directory or a single file).
    public func scan(root: String) throws(CutoverError) -> AuditReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else {
            throw CutoverError(.invalidInput, "\(root) does not exist")
        }
        var files: [String] = []
        var testFiles = 0
        if isDirectory.boolValue {
            files = sourceFiles(under: root)
            if !includeTests {
                let relative = files.map { String($0.dropFirst(root.count)) }
                let kept = zip(files, relative).filter { !TestCode.isTest(path: $0.1) }.map(\.0)
                testFiles = files.count - kept.count
                files = kept
            }
        } else {
            files = [root]
        }
        var findings: [AuditFinding] = []
        var scanned = 0
        for path in files {
            guard let language = SourceLanguage(fileExtension: (path as NSString).pathExtension),
                let data = FileManager.default.contents(atPath: path)
            else { continue }
            scanned += 1
            let relative = isDirectory.boolValue ? String(path.dropFirst(root.count).drop { $0 == "/" }) : (path as NSString).lastPathComponent
            findings += scan(text: String(decoding: data, as: UTF8.self), file: relative, language: language)
        }
        findings.sort { ($0.file, $0.line, $0.rule.rawValue) < ($1.file, $1.line, $1.rule.rawValue) }
        return AuditReport(root: root, filesScanned: scanned, findings: findings, testFilesSkipped: testFiles)
    }

    /// Scans one file's text.
    public func scan(text: String, file: String, language: SourceLanguage) -> [AuditFinding] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let code = AuditPatterns.codeLines(lines, language: language)
        // Request-shape rules (limits, features, sampling) only where the file's code talks to an
        // LLM API: "OpenAI" in a comment or a docstring (a CLI's help text) does not make it a client.
        let requestRules = AuditPatterns.talksToLLM(code.joined(separator: "\n"))
        let python = language == .python ? PythonBrackets(lines: code) : nil
        var findings: [AuditFinding] = []
        var seen: Set<String> = []
        func add(_ rule: AuditRule, _ index: Int, _ what: String) {
            guard seen.insert("\(index):\(rule.rawValue)").inserted else { return }
            findings.append(AuditFinding(file: file, line: index + 1, rule: rule, what: what, why: rule.why, action: rule.action))
        }
        for (index, line) in code.enumerated() where !line.isEmpty {
            let configurable = AuditPatterns.readsConfiguration(line)
            if !configurable, let model = AuditPatterns.first(AuditPatterns.modelName, in: line, group: 1) {
                add(.hardCodedModel, index, "model \"\(model)\"")
            }
            if let tokenizer = AuditPatterns.first(AuditPatterns.tokenizer, in: line) {
                add(.clientSideTokenCount, index, "client-side token counting (\(tokenizer))")
            } else if let estimate = AuditPatterns.first(AuditPatterns.charsPerToken, in: line),
                AuditPatterns.mentionsTokens(code[max(0, index - 3)...index])
            {
                add(.clientSideTokenCount, index, "characters-per-token estimate `\(estimate)`")
            }
            if requestRules, !configurable, let limit = AuditPatterns.first(AuditPatterns.tokenLimit, in: line) {
                add(.hardCodedTokenLimit, index, "literal limit `\(limit)`")
            }
            if !configurable, let url = AuditPatterns.first(AuditPatterns.baseURL, in: line, group: 1) {
                add(.hardCodedBaseURL, index, "base URL \(url)")
            }
            if requestRules, let feature = AuditPatterns.feature(in: line, language: language, python: python, index: index) {
                add(.featureNeedsProbe, index, "uses `\(feature)`")
            }
            if requestRules, let call = AuditPatterns.first(AuditPatterns.completionCall, in: line) {
                let span = AuditPatterns.callSpan(code, from: index, call: call)
                if AuditPatterns.isInlineRequest(span), !AuditPatterns.pinsSampling(span), !AuditPatterns.spreadsArguments(span) {
                    add(.unpinnedSampling, index, "`\(call)` without temperature or top_p")
                }
            }
        }
        return ModelTable.collapse(findings)
    }

    private func sourceFiles(under root: String) -> [String] {
        var result: [String] = []
        let url = URL(fileURLWithPath: root)
        guard let enumerator = FileManager.default.enumerator(
            at: url, includingPropertiesForKeys: [.isDirectoryKey], options: [.skipsHiddenFiles])
        else { return [] }
        let base = url.standardizedFileURL.path
        for case let item as URL in enumerator {
            let isDirectory = (try? item.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) ?? false
            if isDirectory {
                if Self.skippedDirectories.contains(item.lastPathComponent) { enumerator.skipDescendants() }
                continue
            }
            if SourceLanguage(fileExtension: item.pathExtension) != nil {
                let path = item.standardizedFileURL.path
                result.append(root + (path.hasPrefix(base) ? String(path.dropFirst(base.count)) : "/" + item.lastPathComponent))
            }
        }
        return result.sorted()
    }
}
