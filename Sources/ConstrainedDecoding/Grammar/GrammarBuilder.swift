/// Builds a grammar as a recursive transition network: each rule is a small NFA over bytes
/// whose states may call other rules (pushing a return state) or return (popping it).
///
/// Fragments are pieces of NFA with one entry and one exit state, composed by epsilon edges;
/// `build(root:)` removes the epsilons so that the matcher only follows byte edges, calls
/// and returns.
struct GrammarBuilder {
    struct State {
        var byteEdges: [(set: ByteSet, target: Int)] = []
        var epsilons: [Int] = []
        var calls: [(rule: Int, returnTo: Int)] = []
        var isReturn = false
    }

    /// A piece of NFA: enter at `start`, leave from `end` (which has no outgoing edges yet).
    struct Fragment {
        var start: Int
        var end: Int
    }

    private(set) var states: [State] = []
    private(set) var ruleStarts: [Int?] = []
    private(set) var ruleNames: [String] = []

    mutating func newState() -> Int {
        states.append(State())
        return states.count - 1
    }

    mutating func epsilon(from: Int, to: Int) {
        states[from].epsilons.append(to)
    }

    /// Matches the empty string.
    mutating func empty() -> Fragment {
        let state = newState()
        return Fragment(start: state, end: state)
    }

    /// One byte from `set`.
    mutating func byteSet(_ set: ByteSet) -> Fragment {
        let start = newState()
        let end = newState()
        states[start].byteEdges.append((set, end))
        return Fragment(start: start, end: end)
    }

    /// Consecutive bytes drawn from each set in turn.
    mutating func byteSequence(_ sets: [ByteSet]) -> Fragment {
        let start = newState()
        var current = start
        for set in sets {
            let next = newState()
            states[current].byteEdges.append((set, next))
            current = next
        }
        return Fragment(start: start, end: current)
    }

    mutating func literal(_ bytes: some Sequence<UInt8>) -> Fragment {
        byteSequence(bytes.map { ByteSet($0) })
    }

    mutating func literal(_ text: String) -> Fragment {
        literal(Array(text.utf8))
    }

    mutating func sequence(_ parts: [Fragment]) -> Fragment {
        guard var result = parts.first else { return empty() }
        for part in parts.dropFirst() {
            epsilon(from: result.end, to: part.start)
            result.end = part.end
        }
        return result
    }

    mutating func choice(_ parts: [Fragment]) -> Fragment {
        if parts.count == 1 { return parts[0] }
        let start = newState()
        let end = newState()
        for part in parts {
            epsilon(from: start, to: part.start)
            epsilon(from: part.end, to: end)
        }
        return Fragment(start: start, end: end)
    }

    mutating func optional(_ fragment: Fragment) -> Fragment {
        let start = newState()
        let end = newState()
        epsilon(from: start, to: fragment.start)
        epsilon(from: fragment.end, to: end)
        epsilon(from: start, to: end)
        return Fragment(start: start, end: end)
    }

    /// Zero or more repetitions.
    mutating func star(_ fragment: Fragment) -> Fragment {
        let hub = newState()
        let end = newState()
        epsilon(from: hub, to: fragment.start)
        epsilon(from: fragment.end, to: hub)
        epsilon(from: hub, to: end)
        return Fragment(start: hub, end: end)
    }

    /// Between `min` and `max` (nil: unbounded) repetitions of what `make` builds; `make`
    /// is called once per copy because a fragment can only be used once.
    mutating func repeated(
        min: Int, max: Int?, _ make: (inout GrammarBuilder) -> Fragment
    ) -> Fragment {
        var parts: [Fragment] = []
        for _ in 0..<min { parts.append(make(&self)) }
        if let max {
            if max > min {
                // (x (x (x)?)?)? keeps the NFA linear in the number of copies.
                var tail: Fragment?
                for _ in 0..<(max - min) {
                    let copy = make(&self)
                    if let inner = tail {
                        tail = sequence([copy, optional(inner)])
                    } else {
                        tail = copy
                    }
                }
                if let tail { parts.append(optional(tail)) }
            }
        } else {
            parts.append(star(make(&self)))
        }
        return sequence(parts)
    }

    /// Reserves a rule (so that it can be called, even recursively, before it is defined).
    mutating func newRule(name: String) -> Int {
        ruleStarts.append(nil)
        ruleNames.append(name)
        return ruleStarts.count - 1
    }

    mutating func define(rule: Int, body: Fragment) {
        ruleStarts[rule] = body.start
        states[body.end].isReturn = true
    }

    func isDefined(rule: Int) -> Bool { ruleStarts[rule] != nil }

    /// A call of `rule`: matches one sentence of the rule.
    mutating func call(_ rule: Int) -> Fragment {
        let start = newState()
        let end = newState()
        states[start].calls.append((rule, end))
        return Fragment(start: start, end: end)
    }

    /// Removes epsilon edges and freezes the network into a `Grammar` whose start is `root`.
    func build(root: Int) throws(SchemaError) -> Grammar {
        var ruleStart: [Int32] = []
        for (index, start) in ruleStarts.enumerated() {
            guard let start else {
                throw SchemaError("internal error: grammar rule '\(ruleNames[index])' was never defined")
            }
            ruleStart.append(Int32(start))
        }
        var edgeStart: [Int32] = [0]
        var edgeSets: [ByteSet] = []
        var edgeTargets: [Int32] = []
        var callStart: [Int32] = [0]
        var callRules: [Int32] = []
        var callReturns: [Int32] = []
        var isReturn: [Bool] = []
        edgeStart.reserveCapacity(states.count + 1)
        callStart.reserveCapacity(states.count + 1)
        isReturn.reserveCapacity(states.count)

        var mark = [Int](repeating: -1, count: states.count)
        var stack: [Int] = []
        for state in states.indices {
            // Epsilon closure of `state` (within its rule: calls are not followed).
            var members: [Int] = []
            stack.append(state)
            mark[state] = state
            while let current = stack.popLast() {
                members.append(current)
                for next in states[current].epsilons where mark[next] != state {
                    mark[next] = state
                    stack.append(next)
                }
            }
            var byTarget: [Int: ByteSet] = [:]
            var targetOrder: [Int] = []
            var calls: [(Int, Int)] = []
            var returns = false
            for member in members {
                for edge in states[member].byteEdges {
                    if let existing = byTarget[edge.target] {
                        byTarget[edge.target] = existing.union(edge.set)
                    } else {
                        byTarget[edge.target] = edge.set
                        targetOrder.append(edge.target)
                    }
                }
                for call in states[member].calls where !calls.contains(where: { $0 == call }) {
                    calls.append(call)
                }
                returns = returns || states[member].isReturn
            }
            for target in targetOrder {
                edgeSets.append(byTarget[target] ?? ByteSet())
                edgeTargets.append(Int32(target))
            }
            edgeStart.append(Int32(edgeSets.count))
            for (rule, returnTo) in calls {
                callRules.append(Int32(rule))
                callReturns.append(Int32(returnTo))
            }
            callStart.append(Int32(callRules.count))
            isReturn.append(returns)
        }
        let storage = GrammarStorage(
            edgeStart: edgeStart, edgeSets: edgeSets, edgeTargets: edgeTargets,
            callStart: callStart, callRules: callRules, callReturns: callReturns,
            isReturn: isReturn, ruleStart: ruleStart, rootRule: Int32(root)
        )
        if let rule = storage.leftRecursiveRule() {
            throw SchemaError("the schema refers to '\(ruleNames[rule])' recursively before any value is written (left recursion)", keyword: "$ref")
        }
        return Grammar(storage: storage)
    }
}
