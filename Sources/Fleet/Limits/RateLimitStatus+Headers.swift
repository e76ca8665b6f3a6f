import OpenAIWire

extension RateLimitStatus {
    /// OpenAI's rate-limit headers, name → value, in OpenAI's order: `x-ratelimit-limit-requests`,
    /// `x-ratelimit-limit-tokens`, `x-ratelimit-remaining-requests`, `x-ratelimit-remaining-tokens`,
    /// `x-ratelimit-reset-requests`, `x-ratelimit-reset-tokens`. Only the limits the key has appear.
    public var headers: [(String, String)] {
        var headers: [(String, String)] = []
        if let limitRequests { headers.append(("x-ratelimit-limit-requests", String(limitRequests))) }
        if let limitTokens { headers.append(("x-ratelimit-limit-tokens", String(limitTokens))) }
        if let remainingRequests { headers.append(("x-ratelimit-remaining-requests", String(remainingRequests))) }
        if let remainingTokens { headers.append(("x-ratelimit-remaining-tokens", String(remainingTokens))) }
        if let resetRequests { headers.append(("x-ratelimit-reset-requests", Self.formatReset(resetRequests))) }
        if let resetTokens { headers.append(("x-ratelimit-reset-tokens", Self.formatReset(resetTokens))) }
        return headers
    }

    /// A duration as OpenAI writes it in `x-ratelimit-reset-*` (Go's duration format, to the
    /// millisecond, rounded up so waiting that long is enough): `0s`, `120ms`, `1s`, `59.5s`,
    /// `1m0s`, `6m0s`, `1m2.345s`, `1h0m0s`.
    public static func formatReset(_ duration: Duration) -> String {
        let seconds = duration.inSeconds
        guard seconds > 0 else { return "0s" }
        // A microsecond of tolerance so floating-point noise (20.000000001 s) reads as 20s.
        let milliseconds = Int64((seconds * 1000 - 0.001).rounded(.up))
        guard milliseconds >= 1000 else { return "\(max(1, milliseconds))ms" }
        let hours = milliseconds / 3_600_000
        let minutes = milliseconds / 60_000 % 60
        let wholeSeconds = milliseconds / 1000 % 60
        let fraction = milliseconds % 1000
        var text = ""
        if hours > 0 { text += "\(hours)h" }
        if hours > 0 || minutes > 0 { text += "\(minutes)m" }
        text += "\(wholeSeconds)"
        if fraction > 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 3 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + "s"
    }
}
