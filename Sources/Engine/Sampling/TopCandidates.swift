/// One token a draw may choose, with its unnormalised probability `exp((logit - max) / T)`.
package struct SamplingCandidate {
    package var id: Int
    package var logit: Float
    package var weight: Float

    /// Whether `self` ranks before `other`: higher logit first, then lower id (a total order,
    /// so every selection below is deterministic).
    package init(id: Int, logit: Float, weight: Float) {
        self.id = id
        self.logit = logit
        self.weight = weight
    }

    @inline(__always)
    package func ranks(before other: SamplingCandidate) -> Bool {
        logit > other.logit || (logit == other.logit && id < other.id)
    }
}

/// Top-k, top-p and min-p without sorting the vocabulary: the best candidates are found by
/// selection (linear time) and only the prefix that top-p keeps is sorted, growing it 4× at a
/// time until it holds the requested mass. At temperature 0.8 and top_p 0.95 that prefix is
/// usually tens of tokens, where a full sort ordered tens of thousands per generated token.
package enum TopCandidates {
    /// Rearranges `candidates` so that the first returned-count of them are the ones to draw
    /// from, and returns that count (at least 1 when `candidates` is not empty). When top-k or
    /// top-p is active the kept prefix is in rank order; otherwise it stays in id order (a draw's
    /// distribution does not depend on the order). `topK` 0 and `topP` 1 mean off.
    package static func keep(_ candidates: inout [SamplingCandidate], topK: Int, topP: Float, minP: Float) -> Int {
        keep(&candidates, topK: topK, topP: topP, minP: minP, totalMass: nil) ?? 0
    }

    /// `keep` over the best-ranked part of a larger candidate set: every candidate left out ranks
    /// after every one given, and `totalMass` is the weight of the whole set, which top-p's share
    /// is taken of. Returns nil when top-p's cut lies beyond the given candidates (the caller
    /// gathers more). With `totalMass` nil this is `keep` over all of them. Pass nil as well when
    /// top-k cuts the whole set (`0 < topK < whole count`): top-p then shares out the mass of the
    /// top k, which must all be among the given candidates.
    package static func keep(
        _ candidates: inout [SamplingCandidate], topK: Int, topP: Float, minP: Float, totalMass: Float?
    ) -> Int? {
        candidates.withUnsafeMutableBufferPointer { items -> Int? in
            var limit = items.count
            guard limit > 0 else { return 0 }
            var sorted = 0
            if topK > 0, topK < limit {
                sortBest(items, from: 0, to: topK, within: limit)
                limit = topK
                sorted = topK
            }
            if topP < 1 {
                // Top-k, when it cut, leaves the mass of its own k to share out.
                let ofWholeSet = sorted == 0 ? totalMass : nil
                var total: Float = 0
                if let ofWholeSet {
                    total = ofWholeSet
                } else {
                    for index in 0..<limit { total += items[index].weight }
                }
                let wanted = topP * total
                var reached = false
                var prefix = min(limit, 64)
                var cumulative: Float = 0
                var scanned = 0
                search: while true {
                    if sorted < prefix {
                        sortBest(items, from: sorted, to: prefix, within: limit)
                        sorted = prefix
                    }
                    while scanned < prefix {
                        cumulative += items[scanned].weight
                        scanned += 1
                        if cumulative >= wanted {
                            limit = scanned
                            reached = true
                            break search
                        }
                    }
                    if prefix == limit { break }
                    prefix = min(limit, prefix * 4)
                }
                if !reached, ofWholeSet != nil { return nil }
            }
            if minP > 0 {
                // The best candidate's weight is exp(0) = 1, so min-p's threshold is minP itself.
                limit = sorted >= limit ? rankedPrefix(items, limit: limit, atLeast: minP) : compact(items, limit: limit, atLeast: minP)
            }
            return limit
        }
    }

    /// Puts the best `to - from` candidates of `items[from..<within]` into `items[from..<to]`, in
    /// rank order; `items[..<from]` must already hold better candidates than all the rest.
    private static func sortBest(_ items: UnsafeMutableBufferPointer<SamplingCandidate>, from: Int, to: Int, within: Int) {
        if to < within { select(items, lower: from, upper: within, nth: to - 1) }
        var prefix = UnsafeMutableBufferPointer(rebasing: items[from..<to])
        prefix.sort { $0.ranks(before: $1) }
    }

    /// Wirth's selection: afterwards no candidate in `items[lower...nth]` ranks after one in
    /// `items[nth...]` (within `lower..<upper`).
    private static func select(_ items: UnsafeMutableBufferPointer<SamplingCandidate>, lower: Int, upper: Int, nth: Int) {
        var low = lower
        var high = upper - 1
        while high > low {
            let middle = low + (high - low) / 2
            let pivot = medianOfThree(items[low], items[middle], items[high])
            var left = low
            var right = high
            while left <= right {
                while items[left].ranks(before: pivot) { left += 1 }
                while pivot.ranks(before: items[right]) { right -= 1 }
                if left <= right {
                    items.swapAt(left, right)
                    left += 1
                    right -= 1
                }
            }
            if nth <= right {
                high = right
            } else if nth >= left {
                low = left
            } else {
                return
            }
        }
    }

    private static func medianOfThree(_ a: SamplingCandidate, _ b: SamplingCandidate, _ c: SamplingCandidate) -> SamplingCandidate {
        if a.ranks(before: b) {
            if b.ranks(before: c) { return b }
            return a.ranks(before: c) ? c : a
        }
        if a.ranks(before: c) { return a }
        return b.ranks(before: c) ? c : b
    }

    /// The length of the ranked prefix whose weights reach `threshold` (at least 1).
    private static func rankedPrefix(_ items: UnsafeMutableBufferPointer<SamplingCandidate>, limit: Int, atLeast threshold: Float) -> Int {
        var kept = 1
        while kept < limit, items[kept].weight >= threshold { kept += 1 }
        return kept
    }

    /// Moves the candidates whose weight reaches `threshold` to the front, keeping their order.
    private static func compact(_ items: UnsafeMutableBufferPointer<SamplingCandidate>, limit: Int, atLeast threshold: Float) -> Int {
        var kept = 0
        for index in 0..<limit where items[index].weight >= threshold {
            items.swapAt(kept, index)
            kept += 1
        }
        return max(kept, 1)
    }
}
