import Foundation
import Logging

extension ServeBenchCommand {
    /// `serve-bench --gateway`: see `GatewayBench`.
    func runGateway() async throws {
        let settings = try gatewayOptions.settings()
        var logger = Logger(label: "switchyard.serve-bench")
        logger.logLevel = .error
        let driver: any LoadDriver = WrkDriver.find() ?? SwiftClientDriver()
        let quiet = json
        let report = try await GatewayBench(settings: settings, logger: logger).run(driver: driver) { step in
            if !quiet { FileHandle.standardError.write(Data("  measuring \(step)…\n".utf8)) }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        if let soak = report.soak {
            print(Self.soakSummary(soak))
        } else {
            print(Self.table(report))
        }
    }

    static func soakSummary(_ soak: SlowReaderSoak.Report) -> String {
        func mib(_ value: Double) -> String { String(format: "%.1f MiB", value) }
        func percent(_ value: Double) -> String { String(format: "%+.1f %%", value) }
        let every = max(1, soak.samples.count / 12)
        let trend = soak.samples.enumerated().filter { $0.offset % every == every - 1 || $0.offset == soak.samples.count - 1 }
            .map { "\($0.element.second) s \(String(format: "%.0f", $0.element.residentMiB))" }
        return [
            "serve-bench --gateway --soak \(soak.seconds) s: \(soak.readers) slow readers (\(soak.readBytes) B every \(String(format: "%.0f", soak.readIntervalMilliseconds)) ms), streams of \(soak.streamBytes / 1024) KiB",
            "streams completed \(soak.completedLine)",
            "resident memory: \(mib(soak.warmUpResidentMiB)) at the end of the warm-up (\(soak.warmUpSeconds) s), \(mib(soak.finalResidentMiB)) at the end (\(percent(soak.growthPercent))), peak after warm-up \(mib(soak.peakResidentMiB)) (\(percent(soak.peakGrowthPercent)))",
            "resident MiB over time: " + trend.joined(separator: ", "),
        ].joined(separator: "\n")
    }

    static func table(_ report: GatewayBench.Report) -> String {
        var lines = [
            "serve-bench --gateway (driver: \(report.driver); ledger: \(report.database); \(report.seconds) s per cell; streams of \(report.streamChunks) chunks)",
            "kind        conns  target        req/s     p50 ms   p99 ms   added p50  added p99  µs/chunk  errors",
        ]
        func number(_ value: Double?, _ width: Int, _ digits: Int) -> String {
            let text = value.map { String(format: "%.\(digits)f", $0) } ?? "-"
            return String(repeating: " ", count: max(0, width - text.count)) + text
        }
        for row in report.rows {
            let result = row.result
            lines.append(
                row.kind.padding(toLength: 10, withPad: " ", startingAt: 0) + number(Double(row.connections), 7, 0) + "  "
                    + row.target.padding(toLength: 12, withPad: " ", startingAt: 0) + number(result.requestsPerSecond, 8, 0)
                    + number(result.p50Milliseconds, 11, 3) + number(result.p99Milliseconds, 9, 3)
                    + number(row.addedP50Milliseconds, 11, 3) + number(row.addedP99Milliseconds, 11, 3)
                    + number(row.addedMicrosecondsPerChunk, 10, 2) + number(Double(result.errors), 8, 0))
        }
        return lines.joined(separator: "\n")
    }
}
