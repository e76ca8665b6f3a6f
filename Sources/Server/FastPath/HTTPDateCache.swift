#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The `date` header's value (RFC 9110's IMF-fixdate), made once a second, as Hummingbird's
/// own date cache does for the responses it writes.
final class HTTPDateCache: Sendable {
    static let shared = HTTPDateCache()

    private struct Cached {
        var second = 0
        var text = ""
    }

    private let cached = Mutex(Cached())
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    var now: String {
        let second = time(nil)
        return cached.withLock { cached in
            if cached.second != second || cached.text.isEmpty {
                cached.second = second
                cached.text = Self.format(second)
            }
            return cached.text
        }
    }

    static func format(_ second: Int) -> String {
        var seconds = time_t(second)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
