import ArgumentParser
import Cutover
import Foundation

/// `switchyard smoke`: a completion, a streamed completion, a tool call and a Responses call against each endpoint.
struct SmokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smoke",
        abstract: "Check that an endpoint answers a completion, a streamed completion, a tool call and a Responses call.",
        discussion: "Exit codes: 0 all checks passed, 1 a check failed, 2 bad input or endpoint unreachable.")

    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await KitExit.guarding {
            let targets = try endpoints.endpoints()
            let progress = ProgressBar(title: "Smoke test", enabled: !output.json)
            defer { progress.clear() }
            let reports = try await KitExit.withClient(for: targets) { client throws(CutoverError) in
                var reports: [SmokeReport] = []
                for endpoint in targets {
                    reports.append(try await SmokeRunner(client: client, endpoint: endpoint).run(progress: progress.handler))
                }
                return reports
            }
            progress.clear()
            if output.json {
                print(try JSONReport.encode(reports.count == 1 ? AnyEncodable(reports[0]) : AnyEncodable(reports)))
            } else {
                print(reports.map(\.text).joined(separator: "\n\n"))
            }
            if !reports.allSatisfy(\.passed) { throw KitExit.findings }
        }
    }
}
