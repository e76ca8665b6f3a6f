import Fleet
import Foundation

/// Usage rows for the ledger tests.
enum UsageFixtures {
    /// A distinct, fully filled row.
    static func record(_ index: Int, time: Date, status: Int = 200) -> UsageRecord {
        UsageRecord(
            requestID: "req_\(index)", time: time, keyID: "key_fixture", keyName: "fixture", model: "smollm2",
            tier: index % 2 == 0 ? "gpu" : nil, endpoint: "/v1/chat/completions", promptTokens: 10 + index,
            completionTokens: 2 * index, latencyMilliseconds: 100 + Double(index), timeToFirstTokenMilliseconds: index % 3 == 0 ? nil : 12.5,
            status: status, wakeMilliseconds: index == 1 ? 2500 : nil, stream: index % 2 == 1)
    }
}
