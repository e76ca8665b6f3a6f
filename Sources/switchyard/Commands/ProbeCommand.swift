import ArgumentParser
import Cutover
import Foundation

/// `switchyard probe`: one request per feature; supported / ignored / rejected / broken.
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Record how an endpoint treats each OpenAI feature (supported, ignored, rejected, broken).",
        discussion: """
            With --a and --b (or --compare) both endpoints are probed and shown side by side.
            Exit codes: 0 nothing broken, 1 a feature is broken or a --require'd feature is not \
            supported, 2 bad input or endpoint unreachable.
            """)

    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var output: OutputOptions

    @Flag(name: .long, help: "Print the two endpoints' matrices side by side (needs --a and --b).")
    var compare = false

    @Option(name: .long, help: """
        Only these features, comma-separated, or `all`. Default: the chat-completions features; \
        responses, responses_stream, responses_store, responses_text_format and embeddings run when named.
        """)
    var features: String?

    @Option(name: .long, help: "The model the embeddings feature asks for (default: the one /v1/models marks \"type\": \"embedding\").")
    var embeddingModel: String?

    @Option(name: .long, help: "Features that must be supported, comma-separated; otherwise exit 1.")
    var require: String?

    func validate() throws {
        if compare && endpoints.endpointA == nil { throw ValidationError("--compare needs --a and --b") }
        for list in [features, require].compactMap({ $0 }) {
            for name in Self.names(list) where ProbeFeature(rawValue: name) == nil && name != "all" {
                throw ValidationError("unknown feature '\(name)'; known: \(ProbeFeature.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
    }

    static func names(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The features a `--features` list names, `all` standing for every one.
    static func selection(_ list: String) -> [ProbeFeature] {
        let names = Self.names(list)
        return names.contains("all") ? ProbeFeature.allCases : names.compactMap(ProbeFeature.init(rawValue:))
    }

    func run() async throws {
        try await KitExit.guarding {
            let targets = try endpoints.endpoints()
            let selected = features.map(Self.selection) ?? ProbeFeature.defaultFeatures
            let progress = ProgressBar(title: "Probing", enabled: !output.json)
            defer { progress.clear() }
            let reports = try await KitExit.withClient(for: targets) { client throws(CutoverError) in
                var reports: [ProbeReport] = []
                for endpoint in targets {
                    reports.append(try await ProbeRunner(
                        client: client, endpoint: endpoint, features: selected, embeddingModel: embeddingModel).run(progress: progress.handler))
                }
                return reports
            }
            progress.clear()
            if output.json {
                print(try JSONReport.encode(reports.count == 1 ? AnyEncodable(reports[0]) : AnyEncodable(reports)))
            } else if reports.count == 2 {
                print(ProbeReport.comparison(reports[0], reports[1]))
            } else {
                print(reports.map(\.text).joined(separator: "\n\n"))
            }
            let required = require.map { Self.names($0).compactMap(ProbeFeature.init(rawValue:)) } ?? []
            let missing = reports.flatMap { report in
                required.filter { report.result($0)?.status != .supported }.map { "\(report.endpoint.name): \($0.rawValue)" }
            }
            if !output.json && !missing.isEmpty {
                FileHandle.standardError.write(Data("required but not supported: \(missing.joined(separator: ", "))\n".utf8))
            }
            if !missing.isEmpty || reports.contains(where: { !$0.broken.isEmpty }) { throw KitExit.findings }
        }
    }
}
