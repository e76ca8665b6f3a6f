extension BenchReport {
    private static let header = [
        "endpoint", "level", "ok", "failed", "req/s", "out tok/s", "tok/s per stream (mean)",
        "TTFT mean", "TTFT p50", "TTFT p90", "TTFT p95", "TTFT p99",
        "TPOT mean", "TPOT p50", "TPOT p99", "ITL mean", "ITL p50", "ITL p95", "ITL p99",
        "E2E mean", "E2E p50", "E2E p95", "E2E p99", "usage≠chunks",
    ]

    private var rows: [[String]] {
        results.flatMap { result in
            result.levels.map { level in
                let m = level.metrics
                return [
                    result.endpoint.name, level.label, "\(m.completed)", "\(m.failed)", format(m.requestThroughput, digits: 2),
                    format(m.outputThroughput), format(m.streamTokensPerSecond.mean),
                    format(m.ttft.mean), format(m.ttft.p50), format(m.ttft.p90), format(m.ttft.p95), format(m.ttft.p99),
                    format(m.tpot.mean), format(m.tpot.p50), format(m.tpot.p99),
                    format(m.itl.mean), format(m.itl.p50), format(m.itl.p95), format(m.itl.p99),
                    format(m.e2e.mean), format(m.e2e.p50), format(m.e2e.p95), format(m.e2e.p99),
                    "\(m.usageChunkMismatches) (mean Δ \(format(m.meanUsageChunkDifference)))",
                ]
            }
        }
    }

    /// A self-contained HTML page with the metrics table and inline SVG charts.
    public var html: String {
        var body = "<h1>Benchmark</h1><p class=\"muted\">"
        body += results.map { "\(HTML.escape($0.endpoint.name)): \(HTML.escape($0.endpoint.baseURL)) · model \(HTML.escape($0.endpoint.model))" }.joined(separator: "<br>")
        body += "<br>prompt ≈\(configuration.promptWords) words, output \(configuration.outputTokens) tokens, \(configuration.requestsPerLevel) requests per level, warm-up \(configuration.warmupRequests)</p>"
        body += "<p class=\"muted\">Times in ms. TTFT: request sent → first generated text. TPOT: (E2E − TTFT)/(output tokens − 1). ITL: gap between streamed content chunks. E2E: request sent → last byte. Output tokens from the server's usage (chunk count when absent).</p>"
        let labels = results.first?.levels.map(\.label) ?? []
        func series(_ value: (BenchMetrics) -> Double) -> [SVGChart.Series] {
            results.map { SVGChart.Series(name: $0.endpoint.name, values: $0.levels.map { value($0.metrics) }) }
        }
        body += "<h2>Charts</h2><div class=\"charts\">"
        body += SVGChart.lines(title: "Output throughput (all streams)", xLabels: labels, series: series(\.outputThroughput), unit: "tokens/s")
        body += SVGChart.groupedBars(title: "TTFT p95 by level", categories: labels, series: series(\.ttft.p95), unit: "ms")
        body += SVGChart.groupedBars(title: "ITL p50 by level", categories: labels, series: series(\.itl.p50), unit: "ms")
        body += SVGChart.cdf(title: "E2E latency distribution (\(labels.last ?? ""))", series: results.map { result in
            SVGChart.Series(name: result.endpoint.name, values: (result.levels.last?.requests ?? []).filter(\.succeeded).map { $0.e2e * 1000 })
        }, unit: "ms")
        body += "</div><h2>Metrics</h2>" + HTML.table(header: Self.header, rows: rows.map { $0.map(HTML.escape) }, numericFrom: 2)
        let colds = results.compactMap { result in result.coldStart.map { (result.endpoint.name, $0) } }
        if !colds.isEmpty {
            body += "<h2>Cold start</h2>" + HTML.table(
                header: ["endpoint", "method", "cold TTFT ms", "warm TTFT p50 ms", "cold E2E ms", "ok", "detail"],
                rows: colds.map { name, cold in
                    [HTML.escape(name), HTML.escape(cold.method), format(cold.ttftMilliseconds), format(cold.warmTTFTp50Milliseconds),
                     format(cold.totalMilliseconds), HTML.badge(cold.succeeded), HTML.escape(cold.detail)]
                })
        }
        let notes = results.flatMap { result in result.notes.map { "\(result.endpoint.name): \($0)" } }
        if !notes.isEmpty { body += "<h2>Notes</h2><ul>" + notes.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>" }
        if !thresholds.isEmpty {
            body += "<h2>Thresholds</h2>" + HTML.table(
                header: ["check", "limit", "actual", "result", "what"],
                rows: thresholds.map { [$0.name, format($0.limit, digits: 2), $0.actual.map { format($0, digits: 2) } ?? "–", HTML.badge($0.passed), HTML.escape($0.detail)] })
        }
        return HTML.page(title: "Benchmark", body: body)
    }

    /// A compact terminal table.
    public var text: String {
        var lines = ["endpoint   level       ok fail  out tok/s  TTFT p50/p95 ms    TPOT p50 ms  ITL p50/p95 ms     E2E p50/p95 ms     usage≠chunks"]
        for result in results {
            for level in result.levels {
                let m = level.metrics
                lines.append(
                    result.endpoint.name.padding(10) + " " + level.label.padding(10) + " " + "\(m.completed)".padding(4) + " "
                    + "\(m.failed)".padding(4) + " " + format(m.outputThroughput).padding(10) + " "
                    + "\(format(m.ttft.p50))/\(format(m.ttft.p95))".padding(18) + " " + format(m.tpot.p50).padding(12) + " "
                    + "\(format(m.itl.p50))/\(format(m.itl.p95))".padding(18) + " " + "\(format(m.e2e.p50))/\(format(m.e2e.p95))".padding(18)
                    + " \(m.usageChunkMismatches)")
                for failure in m.failures.prefix(2) { lines.append("    failure: \(failure)") }
            }
            if let cold = result.coldStart {
                lines.append("  cold start (\(cold.method)): TTFT \(format(cold.ttftMilliseconds)) ms vs warm p50 \(format(cold.warmTTFTp50Milliseconds)) ms \(cold.detail)")
            }
            for note in result.notes { lines.append("  note: \(note)") }
        }
        for check in thresholds {
            lines.append("\(check.passed ? "PASS" : "FAIL")  \(check.name) \(check.actual.map { format($0, digits: 2) } ?? "–") (limit \(format(check.limit, digits: 2))): \(check.detail)")
        }
        return lines.joined(separator: "\n")
    }
}
