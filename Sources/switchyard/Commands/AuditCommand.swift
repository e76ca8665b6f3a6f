import ArgumentParser
import Cutover

/// `switchyard audit PATH`: find what a codebase must revisit before switching endpoints.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Scan Python, JS/TS, Swift, Go, Java and Ruby code for what a migration must revisit.",
        discussion: "Exit codes: 0 no findings, 1 findings, 2 the path cannot be read.")

    @Argument(help: "A directory or file to scan.")
    var path: String

    @Flag(help: "Also scan test code (tests/, test_*.py, *.test.ts, *Tests.swift, …), skipped by default.")
    var includeTests = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await KitExit.guarding {
            let report = try Auditor(includeTests: includeTests).scan(root: path)
            print(output.json ? try JSONReport.encode(report) : report.text)
            if !report.findings.isEmpty { throw KitExit.findings }
        }
    }
}
