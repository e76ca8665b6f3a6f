extension GoldenReport {
    /// The summary rows: one per endpoint.
    private var summaryRows: [[String]] {
        summaries.map { summary in
            [
                HTML.escape(summary.endpoint), "\(summary.cases)", "\(summary.errors)",
                percent(summary.expectationPassRate), summary.toolSuccessRate.map(percent) ?? "–",
                summary.schemaSuccessRate.map(percent) ?? "–", "\(summary.completionTokens)",
                format(summary.ttft.p50), format(summary.ttft.p95), format(summary.itl.p50),
                format(summary.total.p50), format(summary.total.p95),
            ]
        }
    }

    private static let summaryHeader = [
        "endpoint", "cases", "errors", "expectations", "tool calls", "schema", "completion tokens",
        "TTFT p50 ms", "TTFT p95 ms", "ITL p50 ms", "latency p50 ms", "latency p95 ms",
    ]

    /// A self-contained HTML page: summary, thresholds, latency charts, side-by-side outputs with a diff.
    public var html: String {
        var body = "<h1>Golden run</h1><p class=\"muted\">"
        body += endpoints.map { "\(HTML.escape($0.name)): \(HTML.escape($0.baseURL)) · model \(HTML.escape($0.model))" }.joined(separator: "<br>")
        body += "</p><h2>Summary</h2>" + HTML.table(header: Self.summaryHeader, rows: summaryRows, numericFrom: 1)
        for agreement in agreements {
            body += "<p><b>\(HTML.escape(agreement.line))</b></p>"
            if let causes = agreement.causeLine { body += "<p>\(HTML.escape(causes))</p>" }
            if !agreement.differences.isEmpty {
                body += "<ul>" + agreement.differences.map { "<li><b>\(HTML.escape($0.id))</b> (\($0.cause.rawValue)): \(HTML.escape($0.reason))</li>" }.joined() + "</ul>"
            }
        }
        if !thresholds.isEmpty {
            body += "<h2>Thresholds</h2>" + HTML.table(
                header: ["check", "limit", "actual", "result", "what"],
                rows: thresholds.map { check in
                    [check.name, format(check.limit, digits: 2), check.actual.map { format($0, digits: 2) } ?? "–",
                     HTML.badge(check.passed), HTML.escape(check.detail)]
                })
        }
        body += "<h2>Latency</h2><div class=\"charts\">"
        let names = summaries.map(\.endpoint)
        let ids = cases.map(\.id)
        func series(_ value: (GoldenRecord) -> Double?) -> [SVGChart.Series] {
            names.indices.map { index in
                SVGChart.Series(name: names[index], values: cases.map { $0.records.count > index ? value($0.records[index]) ?? 0 : 0 })
            }
        }
        body += SVGChart.groupedBars(title: "Time to first token per prompt", categories: ids, series: series(\.ttftMilliseconds), unit: "ms")
        body += SVGChart.cdf(title: "Total latency distribution", series: names.indices.map { index in
            SVGChart.Series(name: names[index], values: cases.compactMap { $0.records.count > index ? $0.records[index].totalMilliseconds : nil })
        }, unit: "ms")
        body += SVGChart.groupedBars(title: "Completion tokens per prompt", categories: ids, series: series { $0.completionTokens.map(Double.init) }, unit: "tokens")
        body += "</div><h2>Outputs</h2>"
        var header = ["case"]
        for name in names { header += ["\(name) output", "\(name) checks"] }
        if names.count >= 2 { header += ["diff \(names[0]) → \(names[names.count - 1])"] }
        header += ["tokens", "TTFT ms", "latency ms"]
        var rows: [[String]] = []
        for item in cases {
            var row = ["<b>\(HTML.escape(item.id))</b><br><span class=\"muted\">\(HTML.escape(excerpt(item.prompt, limit: 120)))</span>"]
            for record in item.records {
                var output = HTML.escape(record.output)
                if !record.toolCalls.isEmpty {
                    output += record.toolCalls.map { "\n→ \(HTML.escape($0.name ?? "?"))(\(HTML.escape($0.arguments)))" }.joined()
                }
                if let error = record.error { output += "\n<span class=\"fail\">\(HTML.escape(error))</span>" }
                row.append("<div class=\"out\">\(output)</div>")
                var checks = record.expectations.map { "\(HTML.badge($0.passed)) \(HTML.escape($0.kind)): \(HTML.escape($0.detail))" }
                if let valid = record.toolCallValid { checks.append("\(HTML.badge(valid)) tool call") }
                if let valid = record.schemaValid { checks.append("\(HTML.badge(valid)) schema") }
                row.append(checks.joined(separator: "<br>"))
            }
            if item.records.count >= 2, let first = item.records.first, let last = item.records.last {
                row.append("<div class=\"out\">\(HTML.diff(first.output, last.output))</div>")
            }
            let tokens = item.records.map { $0.completionTokens.map(String.init) ?? "?" }.joined(separator: " / ")
            row.append(tokens + (item.tokenDelta.map { " (Δ \($0 > 0 ? "+" : "")\($0))" } ?? ""))
            row.append(item.records.map { $0.ttftMilliseconds.map { format($0) } ?? "–" }.joined(separator: " / "))
            row.append(item.records.map { format($0.totalMilliseconds) }.joined(separator: " / "))
            rows.append(row)
        }
        body += HTML.table(header: header, rows: rows)
        return HTML.page(title: "Golden run", body: body)
    }

    /// Markdown: summary, thresholds and one row per case.
    public var markdown: String {
        var lines = ["# Golden run", ""]
        for endpoint in endpoints { lines.append("- **\(endpoint.name)**: \(endpoint.baseURL), model `\(endpoint.model)`") }
        lines += ["", "## Summary", "", "| " + Self.summaryHeader.joined(separator: " | ") + " |",
                  "|" + String(repeating: "---|", count: Self.summaryHeader.count)]
        for row in summaryRows { lines.append("| " + row.joined(separator: " | ") + " |") }
        if !thresholds.isEmpty {
            lines += ["", "## Thresholds", "", "| check | limit | actual | result |", "|---|---|---|---|"]
            for check in thresholds {
                lines.append("| \(check.name) | \(format(check.limit, digits: 2)) | \(check.actual.map { format($0, digits: 2) } ?? "–") | \(check.passed ? "pass" : "**FAIL**") |")
            }
        }
        if !agreements.isEmpty {
            lines += ["", "## Agreement", ""]
            for agreement in agreements {
                lines.append("- \(agreement.line)" + (agreement.causeLine.map { "; \($0)" } ?? ""))
                for difference in agreement.differences { lines.append("  - `\(difference.id)` (\(difference.cause.rawValue)): \(difference.reason)") }
            }
        }
        lines += ["", "## Cases", ""]
        var header = "| case |"
        for summary in summaries { header += " \(summary.endpoint) pass | \(summary.endpoint) tokens | \(summary.endpoint) TTFT ms |" }
        lines.append(header + " Δ tokens |")
        lines.append("|---|" + String(repeating: "---|---|---|", count: summaries.count) + "---|")
        for item in cases {
            var row = "| \(item.id) |"
            for record in item.records {
                row += " \(record.passed ? "✓" : "✗") | \(record.completionTokens.map(String.init) ?? "?") | \(record.ttftMilliseconds.map { format($0) } ?? "–") |"
            }
            lines.append(row + " \(item.tokenDelta.map(String.init) ?? "–") |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A short human summary for the terminal.
    public var text: String {
        var lines: [String] = []
        for summary in summaries {
            lines.append("\(summary.endpoint.padding(10)) cases \(summary.cases)  errors \(summary.errors)  expectations \(percent(summary.expectationPassRate))  tools \(summary.toolSuccessRate.map(percent) ?? "–")  schema \(summary.schemaSuccessRate.map(percent) ?? "–")  TTFT p95 \(format(summary.ttft.p95)) ms  latency p95 \(format(summary.total.p95)) ms")
        }
        for agreement in agreements {
            lines.append(agreement.line + (agreement.causeLine.map { "; \($0)" } ?? ""))
            for difference in agreement.differences { lines.append("  \(difference.id) [\(difference.cause.rawValue)]: \(difference.reason)") }
        }
        for check in thresholds {
            lines.append("\(check.passed ? "PASS" : "FAIL")  \(check.name) \(check.actual.map { format($0, digits: 2) } ?? "–") (limit \(format(check.limit, digits: 2))): \(check.detail)")
        }
        return lines.joined(separator: "\n")
    }
}

func percent(_ rate: Double) -> String { "\(format(rate * 100, digits: 0))%" }
