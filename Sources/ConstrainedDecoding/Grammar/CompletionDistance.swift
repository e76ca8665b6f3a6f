/// The fewest bytes that finish a sentence from each state of a grammar: from a state to the
/// return of its rule, counting a call as the callee's shortest sentence. What makes budget-aware
/// decoding possible: a matcher knows how far it is from a complete output.
///
/// Computed once per grammar by relaxation to a fixed point (every term is a sum of
/// non-negative parts, so repeated passes converge to the least solution, as Knuth's
/// generalization of Dijkstra's algorithm to grammars does in one pass with a heap).
struct CompletionDistance: Sendable {
    /// Unreachable (a state from which no sentence finishes).
    static let infinite = Int32.max / 4

    /// Bytes from each state to its rule's return.
    let toReturn: [Int32]

    init(
        edgeStart: [Int32], edgeSets: [ByteSet], edgeTargets: [Int32], callStart: [Int32], callRules: [Int32],
        callReturns: [Int32], isReturn: [Bool], ruleStart: [Int32]
    ) {
        let count = isReturn.count
        var distance = [Int32](repeating: Self.infinite, count: count)
        for state in 0..<count where isReturn[state] { distance[state] = 0 }
        var changed = true
        while changed {
            changed = false
            // Backwards first: rule bodies mostly point forwards, so one pass settles most states.
            for state in stride(from: count - 1, through: 0, by: -1) {
                var best = distance[state]
                for edge in Int(edgeStart[state])..<Int(edgeStart[state + 1]) where !edgeSets[edge].isEmpty {
                    best = min(best, 1 + distance[Int(edgeTargets[edge])])
                }
                for call in Int(callStart[state])..<Int(callStart[state + 1]) {
                    let callee = distance[Int(ruleStart[Int(callRules[call])])]
                    best = min(best, callee + distance[Int(callReturns[call])])
                }
                best = min(best, Self.infinite)
                if best < distance[state] {
                    distance[state] = best
                    changed = true
                }
            }
        }
        toReturn = distance
    }
}

extension ByteMatcher {
    /// The fewest bytes that complete the input read so far into a sentence: 0 when it is
    /// complete, `Int.max` when nothing can.
    public var minimumBytesToComplete: Int {
        if isComplete { return 0 }
        let distance = grammar.completionDistance.toReturn
        var stackCost: [Int32: Int] = [:]
        var best = Int.max
        for packed in configurations {
            let own = Int(distance[Int(Configuration.state(packed))])
            guard own < Int(CompletionDistance.infinite) else { continue }
            let total = own + cost(of: Configuration.parent(packed), distance: distance, memo: &stackCost)
            best = min(best, total)
        }
        return best
    }

    /// The bytes that finish every rule on the return stack `node`, innermost first.
    private func cost(of node: Int32, distance: [Int32], memo: inout [Int32: Int]) -> Int {
        var total = 0
        var current = node
        var path: [Int32] = []
        while current >= 0 {
            if let known = memo[current] {
                total += known
                break
            }
            path.append(current)
            total += Int(distance[Int(arena.returnState[Int(current)])])
            current = arena.parent[Int(current)]
        }
        // Memoize every node on the walked path (each one's cost is the suffix sum).
        var suffix = total
        for node in path {
            memo[node] = suffix
            suffix -= Int(distance[Int(arena.returnState[Int(node)])])
        }
        return min(total, Int(CompletionDistance.infinite))
    }
}
