import ArgumentParser
import Fleet
import Foundation

/// `switchyard usage [--since 24h] [--by key|model] [--json]`: what the ledger recorded;
/// `--prune-older-than 90d` deletes old rows.
struct UsageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "Summarise recorded requests: counts, errors, tokens, latency percentiles.",
        discussion: """
            Reads the usage ledger in $SWITCHYARD_HOME/switchyard.sqlite or --database (one row per \
            request the server answered; with PostgreSQL, every replica's), also while the server runs. Latencies are in milliseconds; percentiles use the \
            nearest-rank method; errors are answers with an HTTP status of 400 or more.

            Exit status: 0 done (also when there is nothing to show); 1 the database could not be read.
            """
    )

    /// A look-back window such as `30m`, `24h` or `7d`.
    struct Window: ExpressibleByArgument, Sendable {
        let text: String
        let seconds: Double

        private static let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]

        init(text: String, seconds: Double) {
            self.text = text
            self.seconds = seconds
        }

        init?(argument: String) {
            let text = argument.trimmingCharacters(in: .whitespaces).lowercased()
            guard let unit = text.last, let scale = Self.units[unit],
                let amount = Double(text.dropLast()), amount.isFinite, amount > 0
            else { return nil }
            self.text = text
            self.seconds = amount * scale
        }

        var defaultValueDescription: String { text }

        static var defaultCompletionKind: CompletionKind { .list(["1h", "24h", "7d", "30d"]) }
    }

    @Option(help: ArgumentHelp("How far back to look: a number and s, m, h, d or w (30m, 24h, 7d).", valueName: "duration"))
    var since = Window(text: "24h", seconds: 86400)

    @Option(help: ArgumentHelp("Group by key or by model (default: one line for everything).", valueName: "key|model"))
    var by: String?

    @Flag(help: "Print {since, by, groups: [...]} as JSON.")
    var json = false

    @Flag(help: "List the requests themselves, oldest first, instead of a summary.")
    var requests = false

    @Option(help: ArgumentHelp(
        "Delete the requests recorded longer ago than this (90d), print how many went, and stop.", valueName: "duration"))
    var pruneOlderThan: Window?

    @OptionGroup var database: FleetDatabaseOptions

    /// The `--by` value as a grouping.
    var grouping: UsageGrouping {
        switch by?.lowercased() {
        case "key": .key
        case "model": .model
        default: .none
        }
    }

    func validate() throws {
        if let by, !["key", "model", "none"].contains(by.lowercased()) {
            throw ValidationError("--by must be key or model, not '\(by)'")
        }
    }

    func run() async throws {
        try await FleetDatabaseOptions.guarding {
            try await database.withStore { store in try await report(UsageLedger(store: store)) }
        }
    }

    /// Prunes, lists or summarises, as the options ask.
    private func report(_ ledger: UsageLedger) async throws {
        if let pruneOlderThan {
            let cutoff = Date().addingTimeInterval(-pruneOlderThan.seconds)
            let deleted = try await ledger.deleteRecords(before: cutoff)
            if json {
                print(try FleetDatabaseOptions.json(Pruned(deleted: deleted, before: cutoff)))
            } else {
                print("Deleted \(deleted) request\(deleted == 1 ? "" : "s") recorded before \(KeysCommand.timestamp(cutoff)).")
            }
            return
        }
        let start = Date().addingTimeInterval(-since.seconds)
        if requests {
            try printRequests(try await ledger.records(since: start))
            return
        }
        let groups = try await ledger.summary(since: start, by: grouping)
        if json {
            print(try FleetDatabaseOptions.json(Output(since: start, by: grouping.rawValue, groups: groups.map(Group.init))))
            return
        }
        let heading = "Usage in the last \(since.text) (since \(KeysCommand.timestamp(start)))"
            + (grouping == .none ? "" : ", by \(grouping.rawValue)")
        guard !groups.isEmpty else {
            print(heading + ": no requests.")
            return
        }
        print(heading + ":")
        var table = TextTable(
            headers: [grouping == .none ? "" : grouping.rawValue.uppercased(), "REQUESTS", "ERRORS", "PROMPT TOK",
                      "COMPLETION TOK", "P50 MS", "P95 MS", "TTFT P50 MS"],
            rightAligned: Set(1...7))
        for group in groups {
            table.rows.append([
                group.group, String(group.requests), String(group.errors), String(group.promptTokens),
                String(group.completionTokens), Self.milliseconds(group.latencyP50), Self.milliseconds(group.latencyP95),
                group.ttftP50.map(Self.milliseconds) ?? "-",
            ])
        }
        print(table.rendered)
    }

    static func milliseconds(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String(format: "%.1f", value)
    }

    struct Pruned: Encodable {
        let deleted: Int
        let before: Date
    }

    struct Output: Encodable {
        let since: Date
        let by: String
        let groups: [Group]
    }

    struct Group: Encodable {
        let group: String
        let requests: Int
        let errors: Int
        let promptTokens: Int
        let completionTokens: Int
        let latencyP50Ms: Double
        let latencyP95Ms: Double
        let ttftP50Ms: Double?

        init(_ summary: UsageSummary) {
            group = summary.group
            requests = summary.requests
            errors = summary.errors
            promptTokens = summary.promptTokens
            completionTokens = summary.completionTokens
            latencyP50Ms = summary.latencyP50
            latencyP95Ms = summary.latencyP95
            ttftP50Ms = summary.ttftP50
        }

        enum CodingKeys: String, CodingKey {
            case group, requests, errors, promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
            case latencyP50Ms = "latency_p50_ms", latencyP95Ms = "latency_p95_ms", ttftP50Ms = "ttft_p50_ms"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(group, forKey: .group)
            try container.encode(requests, forKey: .requests)
            try container.encode(errors, forKey: .errors)
            try container.encode(promptTokens, forKey: .promptTokens)
            try container.encode(completionTokens, forKey: .completionTokens)
            try container.encode(latencyP50Ms, forKey: .latencyP50Ms)
            try container.encode(latencyP95Ms, forKey: .latencyP95Ms)
            try container.encode(ttftP50Ms, forKey: .ttftP50Ms)
        }
    }
}
