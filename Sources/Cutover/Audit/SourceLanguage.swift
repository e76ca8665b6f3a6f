/// The languages the audit reads, and how each marks comments.
public enum SourceLanguage: String, Sendable, Codable, CaseIterable {
    case python, javascript, typescript, swift, go, java, ruby

    /// The language of a file, from its extension.
    public init?(fileExtension: String) {
        switch fileExtension.lowercased() {
        case "py": self = .python
        case "js", "jsx", "mjs", "cjs": self = .javascript
        case "ts", "tsx", "mts", "cts": self = .typescript
        case "swift": self = .swift
        case "go": self = .go
        case "java", "kt": self = .java
        case "rb": self = .ruby
        default: return nil
        }
    }

    /// Line comment marker.
    var lineComment: String {
        switch self {
        case .python, .ruby: "#"
        default: "//"
        }
    }

    /// Whether `/* */` block comments exist.
    var hasBlockComments: Bool { self != .python && self != .ruby }
}
