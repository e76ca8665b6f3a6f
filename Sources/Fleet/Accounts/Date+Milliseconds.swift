import Foundation

extension Date {
    /// The date as whole milliseconds since 1970 (to the nearest, so a date made from whole milliseconds
    /// reads back exactly despite `Date` counting from 2001), as the database stores it.
    var millisecondsSince1970: Int64 {
        Int64((timeIntervalSince1970 * 1000).rounded())
    }

    /// The date `milliseconds` after 1970.
    init(millisecondsSince1970 milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// The date on its nearest millisecond, exactly as it reads back from the database.
    var roundedToMilliseconds: Date { Date(millisecondsSince1970: millisecondsSince1970) }
}
