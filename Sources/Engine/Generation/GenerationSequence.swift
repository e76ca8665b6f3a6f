import ConstrainedDecoding
import Synchronization
import Tokenization

/// A flag the consumer side sets when it stops listening; the engine thread polls it each step.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isCancelled: Bool { value.load(ordering: .relaxed) }
    func cancel() { value.store(true, ordering: .relaxed) }
}

/// The engine thread's state for one generation, from admission to its `finished` event.
final class GenerationSequence {
    let request: GenerationRequest
    let continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation
    let cancellation: CancellationFlag
    /// Admission order, for fairness.
    let serial: Int

    var slot = -1
    /// Prompt then generated tokens. The slot's cache holds the first `processed`.
    var tokens: [Int]
    var processed = 0
    /// Positions the slot's cache has rows for: `processed`, or more after a speculative step
    /// whose rejected draft tokens were written past it (see `SlotTable`).
    var writtenPositions = 0
    /// The most draft tokens the next speculative step may verify (it adapts to the acceptance).
    var draftLimit = Int.max
    var cachedPromptTokens = 0
    var generatedCount = 0
    var sampler: Sampler
    var detokenizer: IncrementalDetokenizer
    var stopMatcher: StopSequenceMatcher
    /// Entry i: log-probability of prompt token i given the ones before it (entry 0 has none).
    var promptLogprobs: [TokenLogprob?] = []
    /// The grammar the output must follow, when the request has a constraint.
    var matcher: GrammarMatcher?
    /// Separates tool calls from content, when the request offered tools.
    var toolParser: ToolCallStreamParser?

    var promptCount: Int { request.promptTokens.count }
    var isPrefilling: Bool { processed < promptCount }

    init(request: GenerationRequest, serial: Int, tokenizer: Tokenizer, matcher: GrammarMatcher?,
         continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation, cancellation: CancellationFlag) {
        self.matcher = matcher
        if case .toolCalls(let tools) = request.constraint {
            toolParser = ToolCallStreamParser(format: tools.format ?? .hermes, mode: tools.choice, makeID: ToolCallID.make)
        }
        self.request = request
        self.serial = serial
        self.continuation = continuation
        self.cancellation = cancellation
        tokens = request.promptTokens
        sampler = Sampler(parameters: request.sampling, promptTokens: request.promptTokens)
        detokenizer = IncrementalDetokenizer(tokenizer: tokenizer, skipSpecial: true)
        stopMatcher = StopSequenceMatcher(request.stopSequences)
        if request.promptLogprobs != nil {
            promptLogprobs = [nil]
        }
    }
}
