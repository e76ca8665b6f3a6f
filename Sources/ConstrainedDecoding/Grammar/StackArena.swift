/// Hash-consed return stacks: node `n` means "return to `returnState[n]`, then continue
/// with stack `parent[n]`". Equal stacks share one node, so a matcher configuration is just
/// a pair of integers and sets of configurations dedupe by value.
struct StackArena: Sendable {
    /// The empty stack: returning from here completes the sentence.
    static let root: Int32 = -1
    /// A placeholder stack used when precomputing masks independently of the real stack.
    static let virtualRoot: Int32 = -2

    private(set) var returnState: [Int32] = []
    private(set) var parent: [Int32] = []
    private var index: [UInt64: Int32] = [:]

    mutating func intern(returnState state: Int32, parent: Int32) -> Int32 {
        let key = Configuration.pack(state: state, parent: parent)
        if let existing = index[key] { return existing }
        let node = Int32(returnState.count)
        returnState.append(state)
        self.parent.append(parent)
        index[key] = node
        return node
    }

    var nodeCount: Int { returnState.count }
}

/// A matcher configuration (automaton state, return stack) packed into 64 bits.
enum Configuration {
    @inline(__always)
    static func pack(state: Int32, parent: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: state)) << 32 | UInt64(UInt32(bitPattern: parent))
    }

    @inline(__always)
    static func state(_ packed: UInt64) -> Int32 { Int32(bitPattern: UInt32(truncatingIfNeeded: packed >> 32)) }

    @inline(__always)
    static func parent(_ packed: UInt64) -> Int32 { Int32(bitPattern: UInt32(truncatingIfNeeded: packed)) }
}
