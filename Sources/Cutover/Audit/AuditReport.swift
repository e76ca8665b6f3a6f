/// The findings of an audit, with counts per rule.
public struct AuditReport: Sendable, Encodable {
    public var root: String
    public var filesScanned: Int
    public var findings: [AuditFinding]
    /// Test files left out (`Auditor.includeTests` off).
    public var testFilesSkipped: Int

    public init(root: String, filesScanned: Int, findings: [AuditFinding], testFilesSkipped: Int = 0) {
        self.root = root
        self.filesScanned = filesScanned
        self.findings = findings
        self.testFilesSkipped = testFilesSkipped
    }

    /// Findings per rule, every rule listed.
    public var countsByRule: [String: Int] {
        var counts = Dictionary(uniqueKeysWithValues: AuditRule.allCases.map { ($0.rawValue, 0) })
        for finding in findings { counts[finding.rule.rawValue, default: 0] += 1 }
        return counts
    }

    enum CodingKeys: String, CodingKey {
        case root, filesScanned = "files_scanned", testFilesSkipped = "test_files_skipped", findings, summary
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(root, forKey: .root)
        try container.encode(filesScanned, forKey: .filesScanned)
        try container.encode(testFilesSkipped, forKey: .testFilesSkipped)
        try container.encode(findings, forKey: .findings)
        try container.encode(countsByRule, forKey: .summary)
    }

    /// Findings grouped by file, then a summary.
    public var text: String {
        var lines: [String] = []
        var currentFile = ""
        for finding in findings {
            if finding.file != currentFile {
                currentFile = finding.file
                lines.append(currentFile)
            }
            lines.append("  \(finding.file):\(finding.line)  [\(finding.rule.rawValue)] \(finding.what)")
            lines.append("      why: \(finding.why)")
            lines.append("      do:  \(finding.action)")
        }
        if !lines.isEmpty { lines.append("") }
        lines.append("\(findings.count) finding(s) in \(Set(findings.map(\.file)).count) of \(filesScanned) file(s) scanned")
        if testFilesSkipped > 0 { lines.append("(\(testFilesSkipped) test file(s) not scanned; --include-tests scans them)") }
        for rule in AuditRule.allCases {
            let count = countsByRule[rule.rawValue] ?? 0
            if count > 0 { lines.append("  \(rule.rawValue.padding(26)) \(count)") }
        }
        return lines.joined(separator: "\n")
    }
}
