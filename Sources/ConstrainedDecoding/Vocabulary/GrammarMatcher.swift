/// Matches one sequence's tokens against a grammar: which tokens may come next, and
/// advancing by the chosen one. Create one per sequence (copies are independent).
public struct GrammarMatcher: Sendable {
    public let vocabulary: TokenVocabulary
    private var matcher: ByteMatcher
    private let cache: MaskCache
    /// Whether an end-of-generation token was accepted (nothing may follow).
    public private(set) var isFinished = false

    public init(grammar: Grammar, vocabulary: TokenVocabulary) {
        self.vocabulary = vocabulary
        self.matcher = ByteMatcher(grammar: grammar)
        self.cache = grammar.storage.maskCache(for: vocabulary)
    }

    /// The output so far is a complete sentence of the grammar.
    public var isComplete: Bool { matcher.isComplete }

    /// Some continuation (other than ending) exists.
    public var canContinue: Bool { !isFinished && matcher.canContinue }

    /// Advances by `tokenID`; false (state unchanged) when the token is not allowed.
    public mutating func accept(_ tokenID: Int) -> Bool {
        guard !isFinished, tokenID >= 0, tokenID < vocabulary.count else { return false }
        if vocabulary.endOfGenerationTokenIDs.contains(tokenID) {
            guard matcher.isComplete else { return false }
            isFinished = true
            return true
        }
        let bytes = vocabulary.tokenBytes[tokenID]
        guard !bytes.isEmpty, !vocabulary.specialTokenIDs.contains(tokenID) else { return false }
        return matcher.accept(bytes: bytes)
    }

    /// Advances by raw text (for example a forced prefix); false (unchanged) if not allowed.
    public mutating func accept(text: String) -> Bool {
        guard !isFinished else { return false }
        return matcher.accept(text)
    }

    /// The tokens that keep the output a prefix of a sentence (end-of-generation tokens
    /// exactly when the output is complete).
    public mutating func allowedTokens() -> TokenMask {
        var mask = TokenMask(count: vocabulary.count)
        guard !isFinished else { return mask }
        var words = [UInt64](repeating: 0, count: cache.wordCount)
        var walker: TrieWalker?
        var stateSeen: Set<UInt64> = []
        for packed in matcher.configurations {
            let state = Configuration.state(packed)
            let parent = Configuration.parent(packed)
            let masks = cache.masks(for: state)
            for index in words.indices { words[index] |= masks.accepted[index] }
            guard !masks.popPoints.isEmpty, parent != StackArena.root,
                  stateSeen.insert(packed).inserted else { continue }
            // Continue the popped tokens with what follows the rule on the real stack.
            var current = walker ?? TrieWalker(
                trie: vocabulary.trie, stepper: Stepper(grammar: matcher.grammar, arena: matcher.arena),
                wordCount: 0, recordPopPoints: false
            )
            current.words = words
            current.buffer.removeAll(keepingCapacity: true)
            current.stepper.beginStep()
            let node = Int(parent)
            current.stepper.close(
                state: current.stepper.arena.returnState[node], parent: current.stepper.arena.parent[node],
                into: &current.buffer
            )
            let count = current.buffer.count
            if count > 0 {
                for point in masks.popPoints { current.walk(node: point, range: 0..<count) }
            }
            words = current.words
            walker = current
        }
        if let walker { matcher.arena = walker.stepper.arena }
        mask.formUnion(words)
        if matcher.isComplete {
            for id in vocabulary.endOfGenerationTokenIDs { mask.allow(id) }
        }
        return mask
    }

    /// The fewest bytes that finish the output into a sentence (0 once complete or finished;
    /// `Int.max` when nothing can). Every byte has a one-byte token in a byte-level vocabulary,
    /// so this many tokens always suffice.
    public var minimumBytesToComplete: Int {
        isFinished ? 0 : matcher.minimumBytesToComplete
    }

    /// Budget-aware decoding: whether accepting `tokenID` leaves the output finishable within
    /// `budget` more tokens (counting each remaining byte as one token). On success the matcher
    /// has advanced by the token; otherwise it is unchanged.
    public mutating func accept(_ tokenID: Int, finishingWithin budget: Int) -> Bool {
        var trial = self
        guard trial.accept(tokenID), trial.minimumBytesToComplete <= budget else { return false }
        self = trial
        return true
    }

    /// The one-byte tokens in `mask` after which the
    /// output is still finishable within `budget` tokens. Non-empty whenever the output could be
    /// finished within `budget + 1` tokens before (a byte on a shortest completion qualifies).
    public func oneByteTokens(in mask: TokenMask, finishingWithin budget: Int) -> [Int] {
        vocabulary.oneByteTokenIDs.filter { id in
            guard mask.isAllowed(id) else { return false }
            var trial = self
            return trial.accept(id) && trial.minimumBytesToComplete <= budget
        }
    }

    /// Number of automaton states whose masks are cached (a diagnostic).
    public var cachedStateCount: Int { cache.computedCount }
}
