/// Python `str` methods over Unicode scalars (Python strings index by code point).
enum PythonText {
    typealias Scalars = [Unicode.Scalar]

    static func string(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    static func find(_ needle: Scalars, in haystack: Scalars, from start: Int) -> Int? {
        if needle.isEmpty { return start <= haystack.count ? start : nil }
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var i = start
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    static func strip(_ s: String, _ chars: String?, leading: Bool, trailing: Bool) -> String {
        let scalars = Array(s.unicodeScalars)
        let set = chars.map { Set($0.unicodeScalars) }
        let strips: (Unicode.Scalar) -> Bool = { set?.contains($0) ?? $0.isPythonWhitespace }
        var begin = 0
        var end = scalars.count
        if leading { while begin < end && strips(scalars[begin]) { begin += 1 } }
        if trailing { while end > begin && strips(scalars[end - 1]) { end -= 1 } }
        return string(scalars[begin..<end])
    }

    /// `str.split(sep=None, maxsplit=-1)`.
    static func split(_ s: String, _ separator: String?, maxSplit: Int) throws(TemplateError) -> [String] {
        let scalars = Array(s.unicodeScalars)
        guard let separator else {
            var parts: [String] = []
            var i = 0
            var splits = 0
            while i < scalars.count {
                while i < scalars.count && scalars[i].isPythonWhitespace { i += 1 }
                if i >= scalars.count { break }
                if maxSplit >= 0 && splits >= maxSplit {
                    var end = scalars.count
                    while end > i && scalars[end - 1].isPythonWhitespace { end -= 1 }
                    parts.append(string(scalars[i..<end]))
                    return parts
                }
                let start = i
                while i < scalars.count && !scalars[i].isPythonWhitespace { i += 1 }
                parts.append(string(scalars[start..<i]))
                splits += 1
            }
            return parts
        }
        let sep = Array(separator.unicodeScalars)
        guard !sep.isEmpty else { throw TemplateError(.type, "empty separator") }
        var parts: [String] = []
        var start = 0
        while maxSplit < 0 || parts.count < maxSplit, let found = find(sep, in: scalars, from: start) {
            parts.append(string(scalars[start..<found]))
            start = found + sep.count
        }
        parts.append(string(scalars[start...]))
        return parts
    }

    static func replace(_ s: String, _ old: String, _ new: String, count: Int, limit: Int) throws(TemplateError) -> String {
        let scalars = Array(s.unicodeScalars)
        let oldScalars = Array(old.unicodeScalars)
        let newScalars = Array(new.unicodeScalars)
        var out: Scalars = []
        var replaced = 0
        if oldScalars.isEmpty {
            // Python inserts `new` between every character and at both ends.
            for scalar in scalars {
                if count < 0 || replaced < count {
                    out.append(contentsOf: newScalars)
                    replaced += 1
                }
                out.append(scalar)
                if out.count > limit { throw TemplateError(.limit, "string result larger than \(limit) bytes") }
            }
            if count < 0 || replaced < count { out.append(contentsOf: newScalars) }
            return string(out)
        }
        var i = 0
        while i < scalars.count {
            if (count < 0 || replaced < count), let found = find(oldScalars, in: scalars, from: i) {
                out.append(contentsOf: scalars[i..<found])
                out.append(contentsOf: newScalars)
                replaced += 1
                i = found + oldScalars.count
                if out.count > limit { throw TemplateError(.limit, "string result larger than \(limit) bytes") }
            } else {
                out.append(contentsOf: scalars[i...])
                break
            }
        }
        return string(out)
    }

    static func isCased(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter: true
        default: false
        }
    }

    /// `str.title()`: a cased character after an uncased one is titlecased, others lowercased.
    static func title(_ s: String) -> String {
        var out = ""
        var previousCased = false
        for scalar in s.unicodeScalars {
            if previousCased {
                out += scalar.properties.lowercaseMapping
            } else {
                out += scalar.properties.titlecaseMapping
            }
            previousCased = isCased(scalar)
        }
        return out
    }

    /// `str.capitalize()`: the first character titlecased, the rest lowercased.
    static func capitalize(_ s: String) -> String {
        var out = ""
        for (index, scalar) in s.unicodeScalars.enumerated() {
            out += index == 0 ? scalar.properties.titlecaseMapping : scalar.properties.lowercaseMapping
        }
        return out
    }

    /// jinja2's `title` filter: capitalize each word, words begin after spaces and `-([{<`.
    static func jinjaTitle(_ s: String) -> String {
        var out = ""
        var atWordStart = true
        for scalar in s.unicodeScalars {
            let isBoundary = scalar.isPythonWhitespace || "-([{<".unicodeScalars.contains(scalar)
            if isBoundary {
                out.unicodeScalars.append(scalar)
                atWordStart = true
            } else if atWordStart {
                out += scalar.properties.uppercaseMapping
                atWordStart = false
            } else {
                out += scalar.properties.lowercaseMapping
            }
        }
        return out
    }
}
