import Foundation

/// The frozen network behind a `Grammar`: states in compressed rows (byte edges, calls),
/// plus the per-vocabulary mask caches built lazily while matching.
final class GrammarStorage: Sendable {
    let edgeStart: [Int32]
    let edgeSets: [ByteSet]
    let edgeTargets: [Int32]
    let callStart: [Int32]
    let callRules: [Int32]
    let callReturns: [Int32]
    let isReturn: [Bool]
    let ruleStart: [Int32]
    let rootRule: Int32
    /// The fewest bytes from each state to its rule's return (budget-aware decoding).
    let completionDistance: CompletionDistance
    private let caches = LockedCaches()

    init(
        edgeStart: [Int32], edgeSets: [ByteSet], edgeTargets: [Int32],
        callStart: [Int32], callRules: [Int32], callReturns: [Int32],
        isReturn: [Bool], ruleStart: [Int32], rootRule: Int32
    ) {
        self.edgeStart = edgeStart
        self.edgeSets = edgeSets
        self.edgeTargets = edgeTargets
        self.callStart = callStart
        self.callRules = callRules
        self.callReturns = callReturns
        self.isReturn = isReturn
        self.ruleStart = ruleStart
        self.rootRule = rootRule
        self.completionDistance = CompletionDistance(
            edgeStart: edgeStart, edgeSets: edgeSets, edgeTargets: edgeTargets, callStart: callStart, callRules: callRules,
            callReturns: callReturns, isReturn: isReturn, ruleStart: ruleStart)
    }

    var stateCount: Int { isReturn.count }

    /// The shared cache of per-state token masks for `vocabulary` (one per vocabulary).
    func maskCache(for vocabulary: TokenVocabulary) -> MaskCache {
        caches.cache(grammar: self, vocabulary: vocabulary)
    }
}

/// Lock-guarded map from vocabulary to mask cache; a grammar is usually used with one.
private final class LockedCaches: @unchecked Sendable {
    private let lock = NSLock()
    private var caches: [ObjectIdentifier: MaskCache] = [:]

    func cache(grammar: GrammarStorage, vocabulary: TokenVocabulary) -> MaskCache {
        lock.lock()
        defer { lock.unlock() }
        let key = ObjectIdentifier(vocabulary)
        if let existing = caches[key] { return existing }
        let created = MaskCache(grammar: grammar, vocabulary: vocabulary)
        caches[key] = created
        return created
    }
}
