/// A plain-text table: columns padded to their widest cell, two spaces apart; numeric columns
/// (those named in `rightAligned`) aligned right.
struct TextTable {
    var headers: [String]
    var rows: [[String]] = []
    var rightAligned: Set<Int> = []

    var rendered: String {
        let columns = headers.count
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.prefix(columns).enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for index in 0..<columns {
                let cell = index < cells.count ? cells[index] : ""
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                parts.append(rightAligned.contains(index) ? padding + cell : cell + padding)
            }
            var text = parts.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }
}
