/// Regular expressions for the string `format`s the compiler enforces. Dates are exact
/// per month (29 February is left out rather than checking leap years); years are
/// 1000-2999 so that every date parses with common date libraries.
enum StringFormats {
    static let date = #"[12]\d{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|02-(?:0[1-9]|1\d|2[0-8]))"#
    static let time = #"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)"#

    /// The anchored pattern for `format`, or nil when the format is not supported.
    static func pattern(for format: String) -> String? {
        switch format {
        case "date": "^" + date + "$"
        case "time": "^" + time + "$"
        case "date-time": "^" + date + "T" + time + "$"
        case "uuid": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
        case "email": #"^[A-Za-z0-9._%+-]{1,32}@[A-Za-z0-9-]{1,32}(?:\.[A-Za-z0-9-]{1,16}){1,3}$"#
        default: nil
        }
    }
}
