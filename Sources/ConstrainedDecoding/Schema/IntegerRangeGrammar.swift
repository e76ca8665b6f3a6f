/// Exact digit grammars for integer ranges: `[lo, hi]` becomes alternatives of fixed-width
/// digit patterns, so that every generated integer is within the bounds (either bound may
/// be absent).
extension JSONGrammarParts {
    /// Integers `n` with `lower <= n <= upper` (nil: unbounded), written without leading
    /// zeros and without `-0`. Returns nil when the range is empty.
    mutating func integer(lower: Int?, upper: Int?) -> GrammarBuilder.Fragment? {
        let maximumMagnitude = JSONGrammarParts.largestMagnitude
        var branches: [GrammarBuilder.Fragment] = []
        // Non-negative part.
        let nonNegativeLow = max(lower ?? 0, 0)
        if upper.map({ $0 >= 0 }) ?? true, nonNegativeLow <= (upper ?? maximumMagnitude) {
            branches.append(magnitude(nonNegativeLow, upper))
        }
        // Negative part: -m for m in [max(1, -upper), -lower].
        if lower.map({ $0 < 0 }) ?? true {
            let magnitudeLow = max(1, upper.map { $0 < 0 ? -$0 : 1 } ?? 1)
            let magnitudeHigh = lower.map { -$0 }
            if magnitudeLow <= (magnitudeHigh ?? maximumMagnitude) {
                branches.append(builder.sequence([builder.literal("-"), magnitude(magnitudeLow, magnitudeHigh)]))
            }
        }
        return branches.isEmpty ? nil : builder.choice(branches)
    }

    /// The largest magnitude written by unbounded integer grammars (16 digits).
    static let largestMagnitude = 9_999_999_999_999_999

    /// Non-negative integers in `[low, high]` (nil: up to 16 digits).
    mutating func magnitude(_ low: Int, _ high: Int?) -> GrammarBuilder.Fragment {
        let high = min(high ?? JSONGrammarParts.largestMagnitude, JSONGrammarParts.largestMagnitude)
        var branches: [GrammarBuilder.Fragment] = []
        var start = low
        while start <= high {
            let width = String(start).count
            let widthMax = width >= 16 ? JSONGrammarParts.largestMagnitude : Int(pow10(width)) - 1
            let end = min(high, widthMax)
            branches.append(fixedWidth(Array(String(start).utf8).map { Int($0) - 48 }, Array(String(end).utf8).map { Int($0) - 48 }))
            if end == high { break }
            start = end + 1
        }
        return builder.choice(branches)
    }

    private func pow10(_ exponent: Int) -> Int {
        var result = 1
        for _ in 0..<exponent { result *= 10 }
        return result
    }

    /// Digit strings of one width between `low` and `high` (digit arrays, equal length).
    private mutating func fixedWidth(_ low: [Int], _ high: [Int]) -> GrammarBuilder.Fragment {
        if low.isEmpty { return builder.empty() }
        // Any digits at all: one state per position (also keeps the recursion linear).
        if low.allSatisfy({ $0 == 0 }) && high.allSatisfy({ $0 == 9 }) {
            return builder.byteSequence([ByteSet](repeating: JSONGrammarParts.digits, count: low.count))
        }
        let first = low[0]
        let last = high[0]
        if low.count == 1 { return builder.byteSet(digitRange(first, last)) }
        let lowRest = Array(low.dropFirst())
        let highRest = Array(high.dropFirst())
        if first == last {
            return builder.sequence([builder.byteSet(digitRange(first, first)), fixedWidth(lowRest, highRest)])
        }
        let nines = [Int](repeating: 9, count: lowRest.count)
        let zeros = [Int](repeating: 0, count: lowRest.count)
        var branches: [GrammarBuilder.Fragment] = []
        branches.append(builder.sequence([builder.byteSet(digitRange(first, first)), fixedWidth(lowRest, nines)]))
        if last - first >= 2 {
            let middle = builder.byteSet(digitRange(first + 1, last - 1))
            let rest = builder.byteSequence([ByteSet](repeating: JSONGrammarParts.digits, count: lowRest.count))
            branches.append(builder.sequence([middle, rest]))
        }
        branches.append(builder.sequence([builder.byteSet(digitRange(last, last)), fixedWidth(zeros, highRest)]))
        return builder.choice(branches)
    }

    private func digitRange(_ low: Int, _ high: Int) -> ByteSet {
        ByteSet(UInt8(48 + low)...UInt8(48 + high))
    }

    /// Numbers (integers or decimals, no exponent) within the bounds. A decimal `I.f` is
    /// only offered where every fraction keeps it in range, and fractions end in a non-zero
    /// digit, so the bounds hold exactly; values beyond 16 integer digits are not generated.
    mutating func number(
        minimum: Double?, exclusiveMinimum: Bool, maximum: Double?, exclusiveMaximum: Bool
    ) -> GrammarBuilder.Fragment? {
        let limit = Double(JSONGrammarParts.largestMagnitude)
        let lower = minimum.map { max($0, -limit) }
        let upper = maximum.map { min($0, limit) }
        var branches: [GrammarBuilder.Fragment] = []
        // Integers.
        let intLow = lower.map { exclusiveMinimum && $0 == $0.rounded(.up) ? Int($0) + 1 : Int($0.rounded(.up)) }
        let intHigh = upper.map { exclusiveMaximum && $0 == $0.rounded(.down) ? Int($0) - 1 : Int($0.rounded(.down)) }
        if let integers = integer(lower: intLow, upper: intHigh) { branches.append(integers) }
        // Positive decimals I.f in (I, I+1): need I >= lower and I + 1 <= upper.
        let fraction = { (builder: inout GrammarBuilder) -> GrammarBuilder.Fragment in
            builder.sequence([
                builder.literal("."),
                builder.repeated(min: 0, max: JSONGrammarParts.maximumFractionDigits - 1) { $0.byteSet(JSONGrammarParts.digits) },
                builder.byteSet(JSONGrammarParts.nonZeroDigits),
            ])
        }
        let positiveLow = max(0, lower.map { Int($0.rounded(.up)) } ?? 0)
        let positiveHigh = upper.map { Int($0.rounded(.down)) - 1 }
        if positiveLow <= (positiveHigh ?? JSONGrammarParts.largestMagnitude) {
            branches.append(builder.sequence([magnitude(positiveLow, positiveHigh), fraction(&builder)]))
        }
        // Negative decimals -I.f in (-(I+1), -I): need -(I+1) >= lower and -I <= upper.
        let negativeLow = max(0, upper.map { Int((-$0).rounded(.up)) } ?? 0)
        let negativeHigh = lower.map { Int((-$0).rounded(.down)) - 1 }
        if negativeLow <= (negativeHigh ?? JSONGrammarParts.largestMagnitude) {
            branches.append(builder.sequence([builder.literal("-"), magnitude(negativeLow, negativeHigh), fraction(&builder)]))
        }
        return branches.isEmpty ? nil : builder.choice(branches)
    }
}
