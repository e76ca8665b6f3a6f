/// The matching engine: closes configurations over calls and returns, and advances sets of
/// configurations by one byte. Sets live in one growing buffer (`frames` of a trie walk
/// stack on top of each other), which keeps the hot loop free of allocations.
struct Stepper {
    let grammar: GrammarStorage
    var arena: StackArena
    // The grammar's rows, held here so the per-byte loops read them without retaining each
    // array of the class on every call (a mask walk calls `advance` once per trie edge).
    private let edgeStart: [Int32]
    private let edgeSets: [ByteSet]
    private let edgeTargets: [Int32]
    private let callStart: [Int32]
    private let callRules: [Int32]
    private let callReturns: [Int32]
    private let isReturn: [Bool]
    private let ruleStart: [Int32]
    /// Configurations already seen in the current step (including non-live ones), so that
    /// cycles of calls and returns terminate: `seen[..<seenCount]` (a step forgets them by
    /// resetting the count; `removeAll` went through the generic `replaceSubrange`, 8% of a walk).
    private var seen: [UInt64] = []
    private var seenCount = 0
    private var work: [UInt64] = []
    /// Set when a closure returned from the root stack (the sentence is complete).
    var reachedRoot = false
    /// Set when a closure returned from the virtual root (used while precomputing masks).
    var reachedVirtualRoot = false

    /// Bounds the work of one step; only a left-recursive grammar could exceed it.
    static let maximumClosure = 20_000

    init(grammar: GrammarStorage, arena: StackArena) {
        self.grammar = grammar
        self.arena = arena
        edgeStart = grammar.edgeStart
        edgeSets = grammar.edgeSets
        edgeTargets = grammar.edgeTargets
        callStart = grammar.callStart
        callRules = grammar.callRules
        callReturns = grammar.callReturns
        isReturn = grammar.isReturn
        ruleStart = grammar.ruleStart
    }

    mutating func beginStep() {
        seenCount = 0
        reachedRoot = false
        reachedVirtualRoot = false
    }

    /// Adds to `buffer` the live configurations (those with byte edges) reachable from
    /// `(state, parent)` by calls and returns.
    mutating func close(state: Int32, parent: Int32, into buffer: inout [UInt64]) {
        work.append(Configuration.pack(state: state, parent: parent))
        while let packed = work.popLast() {
            if seen[..<seenCount].contains(packed) { continue }
            if seenCount >= Stepper.maximumClosure { work.removeAll(); return }
            if seenCount < seen.count { seen[seenCount] = packed } else { seen.append(packed) }
            seenCount += 1
            let s = Int(Configuration.state(packed))
            let p = Configuration.parent(packed)
            if edgeStart[s + 1] > edgeStart[s] { buffer.append(packed) }
            if isReturn[s] {
                if p == StackArena.root {
                    reachedRoot = true
                } else if p == StackArena.virtualRoot {
                    reachedVirtualRoot = true
                } else {
                    let node = Int(p)
                    work.append(Configuration.pack(state: arena.returnState[node], parent: arena.parent[node]))
                }
            }
            var call = Int(callStart[s])
            let callEnd = Int(callStart[s + 1])
            while call < callEnd {
                let node = arena.intern(returnState: callReturns[call], parent: p)
                let rule = Int(callRules[call])
                work.append(Configuration.pack(state: ruleStart[rule], parent: node))
                call += 1
            }
        }
    }

    /// Appends to `buffer` the set reached from `buffer[range]` by reading `byte`.
    mutating func advance(_ range: Range<Int>, byte: UInt8, buffer: inout [UInt64]) {
        beginStep()
        for index in range {
            let packed = buffer[index]
            let s = Int(Configuration.state(packed))
            var edge = Int(edgeStart[s])
            let end = Int(edgeStart[s + 1])
            while edge < end {
                if edgeSets[edge].contains(byte) {
                    close(state: edgeTargets[edge], parent: Configuration.parent(packed), into: &buffer)
                }
                edge += 1
            }
        }
    }
}
