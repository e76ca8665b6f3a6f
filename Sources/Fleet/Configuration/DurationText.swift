import Foundation

/// Durations as the configuration writes them: `500ms`, `30s`, `5m`, `1h`, `1m30s`, `1.5s`, or a
/// bare number of seconds.
public enum DurationText {
    /// The duration `text` names, or nil when it is not one (negative values are not durations).
    public static func parse(_ text: String) -> Duration? {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        if let seconds = Double(text) {
            guard seconds.isFinite, seconds >= 0, !text.hasPrefix("+") else { return nil }
            return milliseconds(seconds * 1000)
        }
        var total = 0.0
        var rest = Substring(text)
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            switch unit {
            case "ms": total += value
            case "s": total += value * 1000
            case "m": total += value * 60_000
            case "h": total += value * 3_600_000
            default: return nil
            }
        }
        return milliseconds(total)
    }

    /// A short form that `parse` reads back: `1h`, `1m30s`, `45s`, `250ms`, `1.5s`.
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if milliseconds <= 0 { return "0s" }
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        if milliseconds % 1000 != 0 {
            let value = Double(milliseconds) / 1000
            return "\(value)s"
        }
        var rest = milliseconds / 1000
        var text = ""
        if rest >= 3600 {
            text += "\(rest / 3600)h"
            rest %= 3600
        }
        if rest >= 60 {
            text += "\(rest / 60)m"
            rest %= 60
        }
        if rest > 0 { text += "\(rest)s" }
        return text
    }

    private static func milliseconds(_ value: Double) -> Duration? {
        guard value.isFinite, value >= 0, value < 1e15 else { return nil }
        return .milliseconds(Int64(value.rounded()))
    }
}
