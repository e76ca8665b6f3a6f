import ConstrainedDecoding
import Foundation
import Kernels
import Tokenization

/// Runs generation on a dedicated thread with continuous batching: every step packs one
/// token of each decoding sequence plus a chunk of waiting prompts into a single forward
/// pass, then samples and streams each sequence's next token.
///
/// Compute-bound work stays off Swift's cooperative pool; requests and results cross over
/// through a locked queue and `AsyncThrowingStream` continuations.
final class Scheduler: @unchecked Sendable {
    // Safety: `incoming`, `stopping` and `waitingCount` are guarded by `condition`;
    // everything else is touched only by the engine thread (`speculation`'s counters are atomic).
    let model: LlamaModel
    private let tokenizer: Tokenizer
    let configuration: ResolvedConfiguration
    private let endTokens: Set<Int>
    private let logprobs: LogprobCalculator
    private let condition = NSCondition()
    private var incoming: [GenerationSequence] = []
    private var stopping = false
    private var nextSerial = 0
    private var publishedActive = 0
    private var publishedWaiting = 0

    private var waiting: [GenerationSequence] = []
    var active: [GenerationSequence] = []
    private var slots: SlotTable
    /// A copy of one row of logits before sampling modifies it.
    private let rawLogits: UnsafeMutablePointer<Float>
    /// The logits a constrained draw may have to restore (allocated once: a 262k vocabulary is 1 MiB a step).
    private let savedLogits: UnsafeMutablePointer<Float>
    /// How many prompt tokens each step takes (llama-server's early batch ends included).
    private let chunking: PromptChunking

    struct ResolvedConfiguration {
        var contextLength: Int
        var slotCount: Int
        var prefillChunkTokens: Int
        var prefillChunkTokensWhileDecoding: Int
        /// Rows of logits one step may produce (decode rows plus prompt-scoring rows).
        var maxLogitRows: Int
        /// Draft tokens a speculative step verifies at most (0: never speculate).
        var speculativeDraftTokens = 0
    }

    /// Taken around every forward pass when the pool is shared with other engines.
    let sharedCompute: SharedCompute?
    /// Drafts, verification counts and whether this model may speculate (`Scheduler+Speculation`).
    let speculation: SpeculativeDecoding

    init(model: LlamaModel, tokenizer: Tokenizer, configuration: ResolvedConfiguration,
         sharedCompute: SharedCompute? = nil) {
        self.model = model
        self.sharedCompute = sharedCompute
        self.tokenizer = tokenizer
        self.configuration = configuration
        endTokens = tokenizer.endOfGenerationTokenIDs.union(tokenizer.eosTokenID.map { [$0] } ?? [])
        logprobs = LogprobCalculator(tokenizer: tokenizer)
        slots = SlotTable(count: configuration.slotCount, reuseOverhang: model.cache.reuseOverhang)
        rawLogits = .allocate(capacity: model.hyperparameters.vocabularySize)
        savedLogits = .allocate(capacity: model.hyperparameters.vocabularySize)
        speculation = SpeculativeDecoding(
            draftTokens: configuration.speculativeDraftTokens, exactRows: model.weights.allMatricesBlockQuantized)
        chunking = PromptChunking(
            capacity: configuration.prefillChunkTokens, whileDecoding: configuration.prefillChunkTokensWhileDecoding,
            breaks: model.hyperparameters.slidingWindow != nil
                ? .llamaServerSlidingWindow(batch: configuration.prefillChunkTokens) : .none)
    }

    deinit {
        rawLogits.deallocate()
        savedLogits.deallocate()
    }

    /// Starts the engine thread.
    func start() {
        let thread = Thread { [self] in self.runLoop() }
        thread.name = "switchyard-engine"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Stops the thread after failing every queued and running sequence with `shutDown`.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    var queueDepth: Int {
        condition.lock()
        defer { condition.unlock() }
        return incoming.count + publishedWaiting
    }

    var activeSequences: Int {
        condition.lock()
        defer { condition.unlock() }
        return publishedActive
    }

    func submit(_ request: GenerationRequest, matcher: GrammarMatcher?) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let cancellation = CancellationFlag()
        continuation.onTermination = { _ in cancellation.cancel() }
        condition.lock()
        defer { condition.unlock() }
        if stopping {
            continuation.finish(throwing: EngineError.shutDown)
            return stream
        }
        nextSerial += 1
        incoming.append(GenerationSequence(
            request: request, serial: nextSerial, tokenizer: tokenizer, matcher: matcher, continuation: continuation,
            cancellation: cancellation))
        condition.signal()
        return stream
    }

    // MARK: - Engine thread

    private func runLoop() {
        while true {
            condition.lock()
            while incoming.isEmpty && active.isEmpty && waiting.isEmpty && !stopping {
                condition.wait()
            }
            if stopping {
                let all = incoming + waiting + active
                incoming.removeAll()
                condition.unlock()
                for sequence in all { sequence.continuation.finish(throwing: EngineError.shutDown) }
                return
            }
            waiting.append(contentsOf: incoming)
            incoming.removeAll()
            condition.unlock()

            dropCancelled()
            admit()
            publishCounts()
            if !active.isEmpty { step() }
        }
    }

    private func publishCounts() {
        condition.lock()
        publishedActive = active.count
        publishedWaiting = waiting.count
        condition.unlock()
    }

    private func dropCancelled() {
        waiting.removeAll { $0.cancellation.isCancelled }
        for sequence in active where sequence.cancellation.isCancelled {
            release(sequence)
        }
        active.removeAll { $0.cancellation.isCancelled }
    }

    /// Moves waiting sequences into free slots, oldest first.
    private func admit() {
        while !waiting.isEmpty, slots.hasFreeSlot {
            let sequence = waiting.removeFirst()
            if sequence.request.maxTokens == 0 && sequence.request.promptLogprobs == nil {
                sequence.continuation.yield(.finished(.length, GenerationUsage(
                    promptTokens: sequence.promptCount, completionTokens: 0)))
                sequence.continuation.finish()
                continue
            }
            guard let claim = slots.acquire(
                for: sequence.request.promptTokens, reuseCache: sequence.request.promptLogprobs == nil)
            else { break }
            sequence.slot = claim.slot
            sequence.processed = claim.cachedTokens
            sequence.cachedPromptTokens = claim.cachedTokens
            active.append(sequence)
        }
    }

    private func release(_ sequence: GenerationSequence) {
        slots.release(sequence.slot, cachedTokens: sequence.tokens[..<sequence.processed],
                      writtenPositions: sequence.writtenPositions)
    }

    /// One forward pass over the packed batch, then sampling for every row that produced logits.
    private func step() {
        if speculativeStep() { return }
        var batch: [BatchToken] = []
        var owners: [GenerationSequence] = []
        var logitRows = 0
        // Decoding sequences first: one token each keeps every stream moving.
        for sequence in active where !sequence.isPrefilling {
            batch.append(BatchToken(token: sequence.tokens[sequence.processed], position: sequence.processed,
                                    slot: sequence.slot, wantsLogits: true))
            owners.append(sequence)
            logitRows += 1
        }
        var budget = chunking.budget(decoding: !batch.isEmpty)
        var room = configuration.prefillChunkTokens
        for sequence in active where sequence.isPrefilling && budget > 0 {
            let scoring = sequence.request.promptLogprobs != nil
            var take = chunking.tokensToTake(
                evaluated: sequence.processed - sequence.cachedPromptTokens,
                remaining: sequence.promptCount - sequence.processed, limit: budget, room: room)
            if scoring { take = min(take, configuration.maxLogitRows - logitRows) }
            guard take > 0 else { continue }
            for offset in 0..<take {
                let position = sequence.processed + offset
                let isLast = position == sequence.promptCount - 1
                batch.append(BatchToken(token: sequence.tokens[position], position: position, slot: sequence.slot,
                                        wantsLogits: isLast || scoring))
                owners.append(sequence)
                if isLast || scoring { logitRows += 1 }
            }
            budget = max(0, budget - take)
            room -= take
        }
        guard !batch.isEmpty else { return }

        let vocabularySize = model.hyperparameters.vocabularySize
        withUnsafeTemporaryAllocation(of: Int.self, capacity: max(1, logitRows)) { drawn in
            // The parallel draws use the pool too: inside the turn, so that an engine sharing the
            // pool never finds it busy (its products would then run on one thread).
            let forwardAndDraw = {
                let logits = self.model.forward(batch)
                self.drawAhead(batch, owners: owners, logits: logits, into: drawn)
                return logits
            }
            let logits = sharedCompute.map { share in share.withTurn(forwardAndDraw) } ?? forwardAndDraw()
            var row = 0
            for (index, item) in batch.enumerated() {
                let sequence = owners[index]
                sequence.processed = item.position + 1
                guard item.wantsLogits else { continue }
                let rowLogits = logits + row * vocabularySize
                row += 1
                if item.position + 1 < sequence.promptCount {
                    scorePromptToken(sequence, position: item.position + 1, logits: rowLogits)
                } else {
                    sampleNext(sequence, logits: rowLogits, drawn: drawn[row - 1] >= 0 ? drawn[row - 1] : nil)
                }
            }
        }
        let finished = active.filter { $0.slot < 0 }
        if !finished.isEmpty { active.removeAll { $0.slot < 0 } }
    }

    /// Draws the next token of every logit row whose draw needs nothing but its sequence's own
    /// sampler (no grammar, no logprobs, no prompt scores to send first), those rows in parallel on
    /// the compute pool, so a batch's samplers (a softmax pass over the vocabulary each at a
    /// temperature) do not run one after another on this thread. `drawn[row]` is the token, or -1
    /// where `sampleNext` draws it. Each sampler draws once per step either way, so the tokens
    /// are the ones a serial loop gives.
    private func drawAhead(_ batch: [BatchToken], owners: [GenerationSequence], logits: UnsafeMutablePointer<Float>,
                           into drawn: UnsafeMutableBufferPointer<Int>) {
        drawn.initialize(repeating: -1)
        var plain: [(row: Int, sequence: GenerationSequence, banned: Set<Int>)] = []
        var row = 0
        for (index, item) in batch.enumerated() where item.wantsLogits {
            let sequence = owners[index]
            let request = sequence.request
            if item.position + 1 >= sequence.promptCount, sequence.matcher == nil, request.logprobs == nil,
               sequence.generatedCount > 0 || request.promptLogprobs == nil {
                plain.append((row, sequence, bannedTokens(sequence)))
            }
            row += 1
        }
        guard plain.count > 1 else { return }
        let vocabularySize = model.hyperparameters.vocabularySize
        plain.withUnsafeBufferPointer { plain in
            model.pool.parallelFor(plain.count) { task in
                let (row, sequence, banned) = plain[task]
                drawn[row] = sequence.sampler.sample(
                    logits: logits + row * vocabularySize, vocabularySize: vocabularySize, banned: banned)
            }
        }
    }

    /// Whether min_tokens or ignore_eos hold end tokens back now (unless the grammar allows nothing else).
    private func suppressesEnd(_ sequence: GenerationSequence) -> Bool {
        let request = sequence.request
        let grammarCanContinue = sequence.matcher?.canContinue ?? true
        return (request.ignoreEOS || sequence.generatedCount < request.minTokens) && grammarCanContinue
    }

    /// The tokens a draw may not choose: the end tokens and the request's stop tokens while held back.
    private func bannedTokens(_ sequence: GenerationSequence) -> Set<Int> {
        suppressesEnd(sequence) ? endTokens.union(sequence.request.stopTokenIDs) : []
    }

    private func scorePromptToken(_ sequence: GenerationSequence, position: Int, logits: UnsafeMutablePointer<Float>) {
        let alternatives = sequence.request.promptLogprobs ?? 0
        sequence.promptLogprobs.append(logprobs.logprob(
            for: sequence.tokens[position], logits: logits, vocabularySize: model.hyperparameters.vocabularySize,
            alternatives: alternatives))
    }

    /// Handles the logits after the last known token of `sequence`: emits prompt scores once,
    /// samples the next token (within the grammar, if any), streams it and decides whether
    /// the sequence ends.
    /// - Parameter drawn: the token `drawAhead` drew for this row, if it did.
    func sampleNext(_ sequence: GenerationSequence, logits: UnsafeMutablePointer<Float>, drawn: Int? = nil) {
        let request = sequence.request
        let vocabularySize = model.hyperparameters.vocabularySize
        if sequence.generatedCount == 0, request.promptLogprobs != nil {
            sequence.continuation.yield(.promptScored(sequence.promptLogprobs))
            if request.maxTokens == 0 {
                finish(sequence, reason: .length)
                return
            }
        }
        if request.logprobs != nil {
            // Sampling rewrites the logits in place; logprobs report the model's own distribution.
            rawLogits.update(from: logits, count: vocabularySize)
        }
        let mask = drawn == nil ? sequence.matcher?.allowedTokens() : nil
        let suppressEnd = suppressesEnd(sequence)
        let banned = drawn == nil ? bannedTokens(sequence) : []
        let token: Int
        if let drawn {
            token = drawn
        } else if var matcher = sequence.matcher, let mask {
            // The tokens left after this one: the output must stay finishable within them.
            let budget = min(request.maxTokens - sequence.generatedCount, configuration.contextLength - sequence.tokens.count) - 1
            token = BudgetAwareSampling.sample(
                matcher: &matcher, mask: mask, budget: budget, logits: logits, vocabularySize: vocabularySize,
                saved: savedLogits
            ) { logits, mask in
                sequence.sampler.sample(logits: logits, vocabularySize: vocabularySize, banned: banned, mask: mask)
            }
            sequence.matcher = matcher
        } else {
            token = sequence.sampler.sample(logits: logits, vocabularySize: vocabularySize, banned: banned, mask: mask)
        }
        sequence.sampler.record(token)
        sequence.generatedCount += 1
        sequence.tokens.append(token)
        let logprob = request.logprobs.map { alternatives in
            logprobs.logprob(for: token, logits: rawLogits, vocabularySize: vocabularySize, alternatives: alternatives)
        }

        let isEnd = !suppressEnd && (endTokens.contains(token) || request.stopTokenIDs.contains(token))
        if isEnd {
            let tail = sequence.stopMatcher.append(sequence.detokenizer.finish())
            emit(sequence, token: token, text: tail.releasedText + sequence.stopMatcher.flush(), logprob: logprob, last: true)
            finish(sequence, reason: .stop)
            return
        }
        var outcome = sequence.stopMatcher.append(sequence.detokenizer.append(token))
        // A grammar that is complete and allows nothing more ends the reply without an end token.
        let grammarDone = sequence.matcher.map { $0.isComplete && !$0.canContinue } ?? false
        let outOfRoom = sequence.tokens.count >= configuration.contextLength
        let atLimit = sequence.generatedCount >= request.maxTokens || outOfRoom || grammarDone
        if case .text(let text) = outcome, atLimit {
            let rest = sequence.stopMatcher.append(sequence.detokenizer.finish())
            outcome = rest.isStop
                ? .stopped(text + rest.releasedText)
                : .text(text + rest.releasedText + sequence.stopMatcher.flush())
        }
        emit(sequence, token: token, text: outcome.releasedText, logprob: logprob, last: outcome.isStop || atLimit)
        if outcome.isStop || grammarDone || sequence.toolParser?.repeatedCall == true {
            finish(sequence, reason: .stop)
        } else if atLimit {
            finish(sequence, reason: .length)
        }
    }

    /// Streams one token: its text as content, or as tool-call fragments when the reply is calls.
    private func emit(_ sequence: GenerationSequence, token: Int, text: String, logprob: TokenLogprob?, last: Bool) {
        guard var parser = sequence.toolParser else {
            sequence.continuation.yield(.token(GeneratedToken(id: token, text: text, logprob: logprob)))
            return
        }
        var outputs = parser.feed(text)
        if last { outputs += parser.finish() }
        sequence.toolParser = parser
        var content = ""
        var calls: [ToolCallDelta] = []
        for output in outputs {
            switch output {
            case .content(let piece): content += piece
            case .call(let delta): calls.append(delta)
            }
        }
        sequence.continuation.yield(.token(GeneratedToken(id: token, text: content, logprob: logprob)))
        for call in calls { sequence.continuation.yield(.toolCall(call)) }
    }

    private func finish(_ sequence: GenerationSequence, reason: FinishReason) {
        let calledTools = sequence.toolParser?.sawCalls ?? false
        let reason = reason == .stop && calledTools ? .toolCalls : reason
        sequence.continuation.yield(.finished(reason, GenerationUsage(
            promptTokens: sequence.promptCount, completionTokens: sequence.generatedCount,
            cachedPromptTokens: sequence.cachedPromptTokens)))
        sequence.continuation.finish()
        release(sequence)
        sequence.slot = -1
    }
}

extension StopSequenceMatcher.Outcome {
    var releasedText: String {
        switch self {
        case .text(let text), .stopped(let text): text
        }
    }

    var isStop: Bool {
        if case .stopped = self { true } else { false }
    }
}
