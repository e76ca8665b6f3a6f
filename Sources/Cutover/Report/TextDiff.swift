/// A word-level diff of two texts (longest common subsequence over whitespace-kept words).
public enum TextDiff {
    /// One run of the diff.
    public enum Segment: Sendable, Hashable {
        case same(String)
        case removed(String)
        case added(String)
    }

    /// The segments that turn `old` into `new`. Inputs longer than `limit` words are
    /// compared as one replaced block, to keep the quadratic table small.
    public static func diff(_ old: String, _ new: String, limit: Int = 2000) -> [Segment] {
        let a = words(old)
        let b = words(new)
        if a == b { return a.isEmpty ? [] : [.same(old)] }
        guard a.count <= limit, b.count <= limit else {
            return [old.isEmpty ? nil : Segment.removed(old), new.isEmpty ? nil : Segment.added(new)].compactMap { $0 }
        }
        // lengths[i][j]: LCS length of a[i...] and b[j...].
        var lengths = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i][j] = a[i] == b[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var segments: [Segment] = []
        func append(_ segment: Segment) {
            switch (segments.last, segment) {
            case (.same(let x)?, .same(let y)): segments[segments.count - 1] = .same(x + y)
            case (.removed(let x)?, .removed(let y)): segments[segments.count - 1] = .removed(x + y)
            case (.added(let x)?, .added(let y)): segments[segments.count - 1] = .added(x + y)
            default: segments.append(segment)
            }
        }
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                append(.same(a[i])); i += 1; j += 1
            } else if i < a.count, j == b.count || lengths[i + 1][j] >= lengths[i][j + 1] {
                append(.removed(a[i])); i += 1
            } else {
                append(.added(b[j])); j += 1
            }
        }
        return segments
    }

    /// Splits into words that keep their trailing whitespace, so joining restores the text.
    static func words(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        var inSpace = false
        for character in text {
            let isSpace = character.isWhitespace
            if inSpace && !isSpace {
                result.append(current)
                current = ""
            }
            current.append(character)
            inSpace = isSpace
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}
