/// Inline SVG charts for the HTML reports: no scripts, no external files.
public enum SVGChart {
    /// One named series of values.
    public struct Series: Sendable, Hashable {
        public var name: String
        public var values: [Double]
        public init(name: String, values: [Double]) {
            self.name = name
            self.values = values
        }
    }

    static let colors = ["#3b6fd8", "#e07b39", "#2a9d5c", "#9b59b6", "#c0392b"]
    static let width = 560.0
    static let height = 300.0
    static let left = 56.0
    static let right = 16.0
    static let top = 34.0
    static let bottom = 58.0

    /// Bars grouped by category, one bar per series.
    public static func groupedBars(title: String, categories: [String], series: [Series], unit: String) -> String {
        let maximum = niceMaximum(series.flatMap(\.values))
        var svg = open(title: title, kind: "bars") + axes(maximum: maximum, unit: unit)
        let plotWidth = width - left - right
        let groupWidth = plotWidth / Double(max(categories.count, 1))
        let barWidth = groupWidth * 0.8 / Double(max(series.count, 1))
        for (categoryIndex, category) in categories.enumerated() {
            let groupX = left + Double(categoryIndex) * groupWidth + groupWidth * 0.1
            for (seriesIndex, item) in series.enumerated() where categoryIndex < item.values.count {
                let value = item.values[categoryIndex]
                let barHeight = maximum > 0 ? (height - top - bottom) * value / maximum : 0
                svg += "<rect x=\"\(f(groupX + Double(seriesIndex) * barWidth))\" y=\"\(f(height - bottom - barHeight))\" width=\"\(f(max(barWidth - 1, 1)))\" height=\"\(f(barHeight))\" fill=\"\(color(seriesIndex))\"><title>\(HTML.escape(item.name)) \(HTML.escape(category)): \(format(value)) \(unit)</title></rect>"
            }
            let labelX = groupX + groupWidth * 0.4
            svg += "<text x=\"\(f(labelX))\" y=\"\(f(height - bottom + 14))\" font-size=\"10\" text-anchor=\"end\" transform=\"rotate(-30 \(f(labelX)) \(f(height - bottom + 14)))\">\(HTML.escape(String(category.prefix(18))))</text>"
        }
        return svg + legend(series.map(\.name)) + "</svg>"
    }

    /// Empirical cumulative distributions: x is the value, y the share of requests at or below it.
    public static func cdf(title: String, series: [Series], unit: String) -> String {
        let maximum = niceMaximum(series.flatMap(\.values))
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        var svg = open(title: title, kind: "cdf")
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(height - bottom))\" x2=\"\(f(width - right))\" y2=\"\(f(height - bottom))\" stroke=\"#889\"/>"
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(height - bottom))\" stroke=\"#889\"/>"
        for step in 0...4 {
            let share = Double(step) / 4
            let y = height - bottom - plotHeight * share
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 3))\" font-size=\"10\" text-anchor=\"end\">\(Int(share * 100))%</text>"
            let x = left + plotWidth * share
            svg += "<text x=\"\(f(x))\" y=\"\(f(height - bottom + 14))\" font-size=\"10\" text-anchor=\"middle\">\(format(maximum * share, digits: 0))</text>"
        }
        svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - bottom + 30))\" font-size=\"11\" text-anchor=\"middle\">\(HTML.escape(unit))</text>"
        for (index, item) in series.enumerated() where !item.values.isEmpty {
            let sorted = item.values.sorted()
            var points = "\(f(left)),\(f(height - bottom))"
            for (rank, value) in sorted.enumerated() {
                let x = left + (maximum > 0 ? plotWidth * value / maximum : 0)
                let before = height - bottom - plotHeight * Double(rank) / Double(sorted.count)
                let after = height - bottom - plotHeight * Double(rank + 1) / Double(sorted.count)
                points += " \(f(x)),\(f(before)) \(f(x)),\(f(after))"
            }
            svg += "<polyline fill=\"none\" stroke=\"\(color(index))\" stroke-width=\"2.5\" points=\"\(points)\"/>"
        }
        return svg + legend(series.map(\.name)) + "</svg>"
    }

    /// Lines over labelled x positions (e.g. throughput against concurrency).
    public static func lines(title: String, xLabels: [String], series: [Series], unit: String) -> String {
        let maximum = niceMaximum(series.flatMap(\.values))
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        var svg = open(title: title, kind: "lines") + axes(maximum: maximum, unit: unit)
        let step = xLabels.count > 1 ? plotWidth / Double(xLabels.count - 1) : 0
        for (index, label) in xLabels.enumerated() {
            let x = left + (xLabels.count > 1 ? Double(index) * step : plotWidth / 2)
            svg += "<text x=\"\(f(x))\" y=\"\(f(height - bottom + 14))\" font-size=\"10\" text-anchor=\"middle\">\(HTML.escape(label))</text>"
        }
        for (seriesIndex, item) in series.enumerated() {
            var points: [String] = []
            for (index, value) in item.values.enumerated() {
                let x = left + (xLabels.count > 1 ? Double(index) * step : plotWidth / 2)
                let y = height - bottom - (maximum > 0 ? plotHeight * value / maximum : 0)
                points.append("\(f(x)),\(f(y))")
                svg += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"4\" fill=\"\(color(seriesIndex))\"><title>\(HTML.escape(item.name)): \(format(value)) \(unit)</title></circle>"
            }
            svg += "<polyline fill=\"none\" stroke=\"\(color(seriesIndex))\" stroke-width=\"2.5\" points=\"\(points.joined(separator: " "))\"/>"
        }
        return svg + legend(series.map(\.name)) + "</svg>"
    }

    static func open(title: String, kind: String) -> String {
        "<svg class=\"chart\" data-chart=\"\(kind)\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><text x=\"\(f(width / 2))\" y=\"18\" font-size=\"13\" font-weight=\"600\" text-anchor=\"middle\">\(HTML.escape(title))</text>"
    }

    static func axes(maximum: Double, unit: String) -> String {
        let plotHeight = height - top - bottom
        var svg = ""
        for step in 0...4 {
            let value = maximum * Double(step) / 4
            let y = height - bottom - plotHeight * Double(step) / 4
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - right))\" y2=\"\(f(y))\" stroke=\"#e5e7ef\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 3))\" font-size=\"10\" text-anchor=\"end\">\(format(value, digits: value < 10 ? 1 : 0))</text>"
        }
        svg += "<text x=\"12\" y=\"\(f(top + plotHeight / 2))\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 \(f(top + plotHeight / 2)))\">\(HTML.escape(unit))</text>"
        return svg
    }

    static func legend(_ names: [String]) -> String {
        var svg = ""
        for (index, name) in names.enumerated() {
            let x = left + Double(index) * 120
            svg += "<rect x=\"\(f(x))\" y=\"\(f(height - 14))\" width=\"12\" height=\"10\" fill=\"\(color(index))\"/><text x=\"\(f(x + 16))\" y=\"\(f(height - 5))\" font-size=\"11\">\(HTML.escape(String(name.prefix(16))))</text>"
        }
        return svg
    }

    static func color(_ index: Int) -> String { colors[index % colors.count] }

    static func f(_ value: Double) -> String { format(value, digits: 1) }

    /// A round upper bound for an axis: 1, 2 or 5 times a power of ten.
    static func niceMaximum(_ values: [Double]) -> Double {
        let peak = values.filter(\.isFinite).max() ?? 0
        guard peak > 0 else { return 1 }
        var magnitude = 1.0
        while magnitude * 10 <= peak { magnitude *= 10 }
        while magnitude > peak { magnitude /= 10 }
        for factor in [1.0, 2.0, 5.0, 10.0] where magnitude * factor >= peak { return magnitude * factor }
        return magnitude * 10
    }
}
