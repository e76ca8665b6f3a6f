import Foundation

/// Token masks precomputed per automaton state, shared by every sequence that matches the
/// same grammar with the same vocabulary.
///
/// For a live configuration (state `s`, stack `p`), the tokens allowed split in two: those
/// decided inside `s`'s rule (computed once per state by a trie walk from `s` over a
/// placeholder stack), and those that run past the end of the rule, which depend on `p`.
/// For the latter the walk records the trie nodes where the rule returned ("pop points");
/// at run time only the subtrees below them are walked, with the real stack.
final class MaskCache: @unchecked Sendable {
    struct StateMasks: Sendable {
        /// Tokens allowed from the state whatever the stack (bitset words).
        let accepted: [UInt64]
        /// Trie nodes whose subtrees must be walked with the real stack.
        let popPoints: [Int32]
    }

    let grammar: GrammarStorage
    let vocabulary: TokenVocabulary
    private let lock = NSLock()
    private var entries: [Int32: StateMasks] = [:]

    init(grammar: GrammarStorage, vocabulary: TokenVocabulary) {
        self.grammar = grammar
        self.vocabulary = vocabulary
    }

    var wordCount: Int { (vocabulary.count + 63) / 64 }

    /// The masks of `state`, computed on first use (or taken from the vocabulary's store
    /// when another grammar had a state with the same signature) (outside the lock: two sequences may
    /// compute the same entry at once, which is harmless).
    func masks(for state: Int32) -> StateMasks {
        lock.lock()
        let existing = entries[state]
        lock.unlock()
        if let existing { return existing }
        let signature = grammar.signature(of: state)
        let computed: StateMasks
        if let signature, let shared = vocabulary.sharedMasks.masks(for: signature) {
            computed = shared
        } else {
            computed = compute(state)
            if let signature { vocabulary.sharedMasks.store(computed, for: signature) }
        }
        lock.lock()
        entries[state] = computed
        lock.unlock()
        return computed
    }

    /// Number of states computed so far.
    var computedCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }

    private func compute(_ state: Int32) -> StateMasks {
        var walker = TrieWalker(
            trie: vocabulary.trie, stepper: Stepper(grammar: grammar, arena: StackArena()),
            wordCount: wordCount, recordPopPoints: true
        )
        walker.buffer = [Configuration.pack(state: state, parent: StackArena.virtualRoot)]
        walker.walk(node: 0, range: 0..<1)
        return StateMasks(accepted: walker.words, popPoints: walker.popPoints)
    }
}
