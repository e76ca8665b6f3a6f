import Kernels

/// A batch of decode steps split into parts that run side by side on the pool's threads.
///
/// Every matrix product of a whole batch is cut into one parallel region per product, with the
/// per-token work between them (norms, RoPE, cache writes, activations) on the engine thread alone
/// while the others wait: at 16 streams on 2 cores that left the second core idle for a tenth of
/// each step. A part instead runs the whole pass for its streams on its own thread (its own scratch
/// and a one-thread pool), so nothing waits until the step ends. Each part reads every weight, but
/// both read the same tiles at about the same time, and a part's products still reuse each tile
/// across its tokens. A token's floats are the same either way where every matrix is in a 32-element
/// block format, whose products compute each token alone; the others decide their kernels by the
/// batch's size (the K formats' gemm rows, the float formats' prompt kernel), so those models never split.
/// There are two parts a thread, claimed as threads come free, so a thread the OS takes away for a
/// while (the server's own threads share the cores) holds the step up by less than half of it.
extension LlamaModel {
    /// The fewest decode rows a part takes: below twice this, a batch stays whole.
    static let minimumPartRows = 4

    /// How many parts a decode batch splits into at most: two per pool thread, or 0 (never split) on one
    /// thread or where a matrix's format makes a token's floats depend on its batch.
    static func decodePartCount(weights: LlamaWeights, threads: Int) -> Int {
        guard threads > 1 else { return 0 }
        let matrices = weights.layers.flatMap { [$0.query, $0.key, $0.value, $0.attentionOutput, $0.gate, $0.up, $0.down] }
            + [weights.output]
        let exact = matrices.allSatisfy { $0.format.isBlockQuantized && !$0.format.usesSuperBlocks }
        return exact ? 2 * threads : 0
    }

    /// The parts of `batch` (consecutive ranges, as many as give each `minimumPartRows` rows, at
    /// most one per part model, sizes within one of each other), or nil where it runs whole: fewer
    /// than two such parts, or not all
    /// decode steps (every row wanting logits, one row per sequence: a sequence's rows must stay
    /// together, as its later rows attend to the keys its earlier ones write).
    func decodeParts(_ batch: [BatchToken]) -> [Range<Int>]? {
        let count = min(parts.count, batch.count / Self.minimumPartRows)
        guard count > 1,
              (batch.count + count - 1) / count <= parts[0].maxBatchTokens,
              batch.allSatisfy(\.wantsLogits), Set(batch.map(\.slot)).count == batch.count
        else { return nil }
        return (0..<count).map { i in (i * batch.count / count)..<((i + 1) * batch.count / count) }
    }

    /// Runs the parts on the pool's threads, each part's logit rows written to their places in this model's buffer.
    func forwardInParts(_ batch: [BatchToken], ranges: [Range<Int>]) {
        let vocabularySize = hyperparameters.vocabularySize
        let logits = scratch.logits
        pool.parallelFor(ranges.count) { i in
            let range = ranges[i]
            parts[i].forward(Array(batch[range]), queryRows: batch.count, logits: logits + range.lowerBound * vocabularySize,
                             rowsAsDecodeSteps: false)
        }
    }
}
