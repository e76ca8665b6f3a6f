extension Scheduler {
    /// Runs one speculative step (see `SpeculativeDecoding`) when it applies: speculation on, one
    /// active sequence (with several, the batch already uses the compute a draft would), that
    /// sequence decoding, and a draft found. Returns false to let the plain step run instead.
    func speculativeStep() -> Bool {
        guard speculation.draftTokens > 0, active.count == 1, let sequence = active.first, !sequence.isPrefilling
        else { return false }
        let limit = draftLimit(sequence)
        guard limit > 0 else { return false }
        let draft = speculation.lookup.draft(after: sequence.tokens, limit: limit)
        guard !draft.isEmpty else { return false }

        let start = sequence.processed
        var batch = [BatchToken(token: sequence.tokens[start], position: start, slot: sequence.slot, wantsLogits: true)]
        for (offset, token) in draft.enumerated() {
            batch.append(BatchToken(token: token, position: start + 1 + offset, slot: sequence.slot, wantsLogits: true))
        }
        let forward = { self.model.forward(batch, rowsAsDecodeSteps: true) }
        let logits = sharedCompute.map { $0.withTurn(forward) } ?? forward()
        sequence.writtenPositions = max(sequence.writtenPositions, start + batch.count)

        // Row i holds the logits after input i; input i + 1 is draft[i], real only if row i chose it.
        let vocabularySize = model.hyperparameters.vocabularySize
        let accepted = SpeculativeDecoding.verify(draft: draft) { row in
            sequence.processed = start + row + 1
            sampleNext(sequence, logits: logits + row * vocabularySize)
            return sequence.slot >= 0 ? sequence.tokens.last : nil
        }
        speculation.record(drafted: draft.count, accepted: accepted)
        sequence.draftLimit = speculation.nextLimit(drafted: draft.count, accepted: accepted)
        if sequence.slot < 0 { active.removeAll { $0.slot < 0 } }
        return true
    }

    /// The most draft tokens `sequence` may verify now: within the configured and adaptive
    /// limits, the tokens it may still generate (the last row yields one more), the context,
    /// the model's batch and logit rows, and a sliding window's ring (a step may write at most
    /// `ring - window` positions, or it would overwrite rows its own first row attends to).
    private func draftLimit(_ sequence: GenerationSequence) -> Int {
        var limit = min(speculation.draftTokens, sequence.draftLimit)
        limit = min(limit, sequence.request.maxTokens - sequence.generatedCount - 1)
        limit = min(limit, configuration.contextLength - 1 - sequence.processed)
        limit = min(limit, model.maxBatchTokens - 1, model.maxLogitRows - 1)
        if let overhang = model.cache.reuseOverhang { limit = min(limit, overhang - 1) }
        return limit
    }
}
