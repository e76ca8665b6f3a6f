import Foundation
import NIOHTTP1

extension UpstreamBackend {
    /// The wait an upstream asked for, from `retry-after-ms` (OpenAI's, fractional
    /// milliseconds) or `retry-after` (seconds, or an HTTP date); nil when it asked for none
    /// or for something unreadable.
    static func retryAfterMilliseconds(_ headers: HTTPHeaders, now: Date = Date()) -> Int? {
        if let text = headers.first(name: "retry-after-ms"), let milliseconds = Double(text.trimmingCharacters(in: .whitespaces)),
            milliseconds.isFinite, milliseconds >= 0
        {
            return Int(min(milliseconds, 86_400_000).rounded(.up))
        }
        guard let text = headers.first(name: "retry-after")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(text), seconds.isFinite, seconds >= 0 {
            return Int((min(seconds, 86_400) * 1000).rounded(.up))
        }
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "GMT")
        format.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = format.date(from: text) else { return nil }
        return Int((min(max(date.timeIntervalSince(now), 0), 86_400) * 1000).rounded(.up))
    }
}
