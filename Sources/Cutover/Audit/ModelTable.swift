import Foundation

/// A file that names many models is a model table (a library's registry, a price list), and a
/// migration revisits it once, not once per name: its model findings become one finding.
enum ModelTable {
    /// From this many model names in one file on, they are reported as one table.
    static let threshold = 4
    /// How many of the names and lines the finding quotes.
    static let quoted = 5

    static func collapse(_ findings: [AuditFinding]) -> [AuditFinding] {
        let models = findings.filter { $0.rule == .hardCodedModel }
        guard models.count >= threshold, let first = models.first else { return findings }
        var names: [String] = []
        for finding in models where !names.contains(finding.what) { names.append(finding.what) }
        let lines = models.map { String($0.line) }
        let namesText = names.prefix(quoted).map { $0.replacingOccurrences(of: "model ", with: "") }.joined(separator: ", ")
            + (names.count > quoted ? ", …" : "")
        let linesText = lines.prefix(quoted).joined(separator: ", ") + (lines.count > quoted ? ", …" : "")
        var table = first
        table.what = "model table: \(models.count) literals, \(names.count) distinct (\(namesText)) at lines \(linesText)"
        return (findings.filter { $0.rule != .hardCodedModel } + [table]).sorted { ($0.line, $0.rule.rawValue) < ($1.line, $1.rule.rawValue) }
    }
}
