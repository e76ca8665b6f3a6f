/// Matches a grammar byte by byte: the set of live configurations after the bytes read so far.
public struct ByteMatcher: Sendable {
    let grammar: GrammarStorage
    var arena: StackArena
    /// Live configurations (state with byte edges, return stack), deduplicated.
    var configurations: [UInt64]
    /// Whether the bytes read so far form a complete sentence.
    public private(set) var isComplete: Bool

    public init(grammar: Grammar) {
        self.grammar = grammar.storage
        var stepper = Stepper(grammar: grammar.storage, arena: StackArena())
        var buffer: [UInt64] = []
        stepper.beginStep()
        stepper.close(state: grammar.storage.ruleStart[Int(grammar.storage.rootRule)], parent: StackArena.root, into: &buffer)
        self.arena = stepper.arena
        self.configurations = buffer
        self.isComplete = stepper.reachedRoot
    }

    /// Whether some continuation of the bytes read so far is (or extends to) a sentence.
    public var canContinue: Bool { !configurations.isEmpty }

    /// Reads `bytes`; returns false (leaving the matcher unchanged) if they do not keep the
    /// input a prefix of a sentence.
    public mutating func accept(bytes: some Sequence<UInt8>) -> Bool {
        var stepper = Stepper(grammar: grammar, arena: arena)
        var buffer = configurations
        var range = 0..<buffer.count
        var complete = isComplete
        for byte in bytes {
            if range.isEmpty { return false }
            stepper.advance(range, byte: byte, buffer: &buffer)
            range = range.upperBound..<buffer.count
            complete = stepper.reachedRoot
        }
        if range.isEmpty && !complete { return false }
        configurations = Array(buffer[range])
        isComplete = complete
        arena = stepper.arena
        return true
    }

    /// Reads the UTF-8 bytes of `text` (see `accept(bytes:)`).
    public mutating func accept(_ text: String) -> Bool {
        accept(bytes: Array(text.utf8))
    }
}
