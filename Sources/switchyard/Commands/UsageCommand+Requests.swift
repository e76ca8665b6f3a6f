import Fleet
import Foundation

extension UsageCommand {
    /// `usage --requests`: one line (or JSON object) per ledger row.
    func printRequests(_ records: [UsageRecord]) throws {
        if json {
            print(try FleetDatabaseOptions.json(records.map(RequestRow.init)))
            return
        }
        guard !records.isEmpty else {
            print("No requests in the last \(since.text).")
            return
        }
        var table = TextTable(
            headers: ["TIME", "REQUEST", "KEY", "MODEL", "TIER", "STATUS", "PROMPT", "COMPLETION", "MS", "TTFT MS", "WAKE MS"],
            rightAligned: [5, 6, 7, 8, 9, 10])
        for record in records {
            table.rows.append([
                KeysCommand.timestamp(record.time), record.requestID, record.keyName ?? "-", record.model, record.tier ?? "-",
                String(record.status), String(record.promptTokens), String(record.completionTokens),
                Self.milliseconds(record.latencyMilliseconds), record.timeToFirstTokenMilliseconds.map(Self.milliseconds) ?? "-",
                record.wakeMilliseconds.map(Self.milliseconds) ?? "-",
            ])
        }
        print(table.rendered)
    }

    /// A ledger row as JSON, every field present (null when unset).
    struct RequestRow: Encodable {
        let record: UsageRecord

        init(_ record: UsageRecord) {
            self.record = record
        }

        enum CodingKeys: String, CodingKey {
            case requestID = "request_id", time, keyID = "key_id", keyName = "key_name", model, tier, endpoint
            case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", latency = "latency_ms"
            case timeToFirstToken = "ttft_ms", status, wake = "wake_ms", stream
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(record.requestID, forKey: .requestID)
            try container.encode(record.time, forKey: .time)
            try container.encode(record.keyID, forKey: .keyID)
            try container.encode(record.keyName, forKey: .keyName)
            try container.encode(record.model, forKey: .model)
            try container.encode(record.tier, forKey: .tier)
            try container.encode(record.endpoint, forKey: .endpoint)
            try container.encode(record.promptTokens, forKey: .promptTokens)
            try container.encode(record.completionTokens, forKey: .completionTokens)
            try container.encode(record.latencyMilliseconds, forKey: .latency)
            try container.encode(record.timeToFirstTokenMilliseconds, forKey: .timeToFirstToken)
            try container.encode(record.status, forKey: .status)
            try container.encode(record.wakeMilliseconds, forKey: .wake)
            try container.encode(record.stream, forKey: .stream)
        }
    }
}
