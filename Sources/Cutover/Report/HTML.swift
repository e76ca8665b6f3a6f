/// Small helpers for writing self-contained HTML reports.
enum HTML {
    /// Escapes text for element content and attribute values.
    static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.append(character)
            }
        }
        return output
    }

    /// The page skeleton with the shared style sheet.
    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#1d2433;background:#fff}
        h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #dde;padding-bottom:4px}
        table{border-collapse:collapse;margin:8px 0;font-size:13px}
        th,td{border:1px solid #d5d9e2;padding:4px 8px;vertical-align:top;text-align:left}
        th{background:#f1f3f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
        .pass{color:#0a7a2f;font-weight:600}.fail{color:#b3261e;font-weight:600}
        .out{white-space:pre-wrap;font-family:ui-monospace,Menlo,monospace;font-size:12px;max-width:420px}
        ins{background:#d4f7dc;text-decoration:none}del{background:#fbd8d5}
        .charts{display:flex;flex-wrap:wrap;gap:16px}.chart{border:1px solid #e3e6ee;padding:6px}
        .muted{color:#667}
        </style></head><body>
        \(body)
        </body></html>
        """
    }

    static func table(header: [String], rows: [[String]], numericFrom: Int = Int.max) -> String {
        var html = "<table><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
        for row in rows {
            html += "<tr>"
            for (index, cell) in row.enumerated() {
                html += index >= numericFrom ? "<td class=\"num\">\(cell)</td>" : "<td>\(cell)</td>"
            }
            html += "</tr>"
        }
        return html + "</table>"
    }

    static func badge(_ passed: Bool?) -> String {
        switch passed {
        case true?: "<span class=\"pass\">✓</span>"
        case false?: "<span class=\"fail\">✗</span>"
        case nil: "<span class=\"muted\">–</span>"
        }
    }

    static func diff(_ old: String, _ new: String) -> String {
        TextDiff.diff(old, new).map { segment in
            switch segment {
            case .same(let text): escape(text)
            case .removed(let text): "<del>\(escape(text))</del>"
            case .added(let text): "<ins>\(escape(text))</ins>"
            }
        }.joined()
    }
}
