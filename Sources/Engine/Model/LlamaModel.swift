import Foundation
import Kernels

/// The llama forward pass: embeddings, `blockCount` pre-norm transformer blocks (RMSNorm,
/// grouped-query attention with RoPE, SwiGLU feed-forward), final norm and output projection.
///
/// Works on a batch of tokens from any number of sequences at once; every matrix product
/// covers the whole batch, so weights stream from memory once per step, not once per token.
/// Not thread-safe: one engine thread drives it.
final class LlamaModel: @unchecked Sendable {
    // Safety: only the engine's scheduler thread calls `forward`; the pool is its own.
    let hyperparameters: LlamaHyperparameters
    let weights: LlamaWeights
    let cache: KVCache
    let pool: ComputePool
    /// Most tokens one `forward` call accepts.
    let maxBatchTokens: Int
    private let scratch: ForwardScratch

    /// Rows of logits one `forward` call may produce.
    let maxLogitRows: Int

    init(weights: LlamaWeights, hyperparameters: LlamaHyperparameters, cache: KVCache, pool: ComputePool,
         maxBatchTokens: Int, maxLogitRows: Int) {
        self.weights = weights
        self.hyperparameters = hyperparameters
        self.cache = cache
        self.pool = pool
        self.maxBatchTokens = maxBatchTokens
        self.maxLogitRows = maxLogitRows
        self.scratch = ForwardScratch(hyperparameters: hyperparameters, maxTokens: maxBatchTokens, maxLogitRows: maxLogitRows)
    }

    /// Runs `batch` through the model, writing each cache slot's keys and values, and returns
    /// a pointer to the logits of the tokens with `wantsLogits`, in batch order, `vocabularySize`
    /// floats each. The pointer is valid until the next call.
    func forward(_ batch: [BatchToken]) -> UnsafeMutablePointer<Float> {
        precondition(batch.count <= maxBatchTokens && !batch.isEmpty, "batch size out of range")
        let h = hyperparameters
        let n = batch.count
        let d = h.embeddingLength
        let s = scratch

        for (index, item) in batch.enumerated() {
            MatrixMultiply.dequantizeRow(weights.tokenEmbedding, row: item.token, into: s.hidden + index * d)
            if let scale = h.embeddingScale { VectorOps.scale(s.hidden + index * d, by: scale, count: d) }
        }
        // One table per RoPE base (gemma3's sliding layers have their own), computed once per token.
        let rope = RotaryEmbedding(hyperparameters: h)
        let slidingRope = RotaryEmbedding(hyperparameters: h, base: h.ropeFrequencyBaseSliding)
        for (t, item) in batch.enumerated() {
            rope.table(position: item.position, into: s.rope + t * rope.tableCount)
            if h.slidingWindow != nil {
                slidingRope.table(position: item.position, into: s.slidingRope + t * rope.tableCount)
            }
        }
        let queryWidth = h.headCount * h.headDimension
        for (layerIndex, layer) in weights.layers.enumerated() {
            let sliding = h.isSliding(layer: layerIndex)
            let layerRope = sliding ? slidingRope : rope
            let tables = sliding ? s.slidingRope : s.rope
            forEachToken(n) { t in
                VectorOps.rmsNorm(s.hidden + t * d, weight: layer.attentionNorm, epsilon: h.rmsEpsilon, count: d,
                                  output: s.normed + t * d)
            }
            // One activation quantization and one parallel region for the three projections.
            MatrixMultiply.multiply([layer.query, layer.key, layer.value], input: s.normed, tokens: n,
                                    outputs: [s.query, s.key, s.value], pool: pool)
            forEachToken(n) { t in
                let item = batch[t]
                let table = tables + t * rope.tableCount
                let query = s.query + t * queryWidth
                let key = s.key + t * h.kvDimension
                if let norms = layer.gemma {
                    for head in 0..<h.headCount {
                        VectorOps.rmsNorm(query + head * h.headDimension, weight: norms.query, epsilon: h.rmsEpsilon,
                                          count: h.headDimension, output: query + head * h.headDimension)
                    }
                    for head in 0..<h.kvHeadCount {
                        VectorOps.rmsNorm(key + head * h.headDimension, weight: norms.key, epsilon: h.rmsEpsilon,
                                          count: h.headDimension, output: key + head * h.headDimension)
                    }
                }
                layerRope.apply(to: query, heads: h.headCount, table: table)
                layerRope.apply(to: key, heads: h.kvHeadCount, table: table)
                // gemma scales the queries themselves (ggml_scale) and attends with scale 1.
                if layer.gemma != nil { VectorOps.scale(query, by: h.attentionScale, count: queryWidth) }
                let row = cache.row(for: item.position, layer: layerIndex) * h.kvDimension
                VectorOps.convertToF16(key, cache.keys(slot: item.slot, layer: layerIndex) + row, count: h.kvDimension)
                VectorOps.convertToF16(s.value + t * h.kvDimension, cache.values(slot: item.slot, layer: layerIndex) + row,
                                       count: h.kvDimension)
            }
            attend(batch, layer: layerIndex, scale: layer.gemma != nil ? 1 : h.attentionScale,
                   window: sliding ? h.slidingWindow : nil)
            MatrixMultiply.multiply(layer.attentionOutput, input: s.attention, tokens: n, output: s.normed, pool: pool)
            if let norms = layer.gemma {
                forEachToken(n) { t in
                    VectorOps.rmsNorm(s.normed + t * d, weight: norms.postAttention, epsilon: h.rmsEpsilon, count: d,
                                      output: s.normed + t * d)
                }
            }
            VectorOps.add(s.hidden, s.normed, count: n * d)

            forEachToken(n) { t in
                VectorOps.rmsNorm(s.hidden + t * d, weight: layer.feedForwardNorm, epsilon: h.rmsEpsilon, count: d,
                                  output: s.normed + t * d)
            }
            MatrixMultiply.multiply([layer.gate, layer.up], input: s.normed, tokens: n, outputs: [s.gate, s.up],
                                    pool: pool)
            switch h.activation {
            case .silu: VectorOps.siluMultiply(s.gate, s.up, count: n * h.feedForwardLength)
            case .geluTanh: GGMLGELU.geglu(s.gate, s.up, count: n * h.feedForwardLength, pool: pool)
            }
            MatrixMultiply.multiply(layer.down, input: s.gate, tokens: n, output: s.normed, pool: pool)
            if let norms = layer.gemma {
                forEachToken(n) { t in
                    VectorOps.rmsNorm(s.normed + t * d, weight: norms.postFeedForward, epsilon: h.rmsEpsilon, count: d,
                                      output: s.normed + t * d)
                }
            }
            VectorOps.add(s.hidden, s.normed, count: n * d)
        }

        // Only the tokens whose next-token distribution is needed go through the (large) output projection.
        var outputCount = 0
        for (t, item) in batch.enumerated() where item.wantsLogits {
            VectorOps.rmsNorm(s.hidden + t * d, weight: weights.outputNorm, epsilon: h.rmsEpsilon, count: d,
                              output: s.normed + outputCount * d)
            outputCount += 1
        }
        if outputCount > 0 {
            MatrixMultiply.multiply(weights.output, input: s.normed, tokens: outputCount, output: s.logits, pool: pool)
        }
        return s.logits
    }

    /// Runs `body` for tokens `0..<count`, split across the pool for a prompt's worth of tokens
    /// (each token's work writes only its own rows).
    private func forEachToken(_ count: Int, _ body: (Int) -> Void) {
        let chunk = 16
        guard count >= 2 * chunk, pool.threadCount > 1 else {
            for t in 0..<count { body(t) }
            return
        }
        pool.parallelFor((count + chunk - 1) / chunk) { task in
            for t in (task * chunk)..<min(count, task * chunk + chunk) { body(t) }
        }
    }

    /// Causal attention of every batch token over its own slot's cached positions 0...position
    /// (the last `window` of them on a sliding-window layer).
    /// Work is split into one task per pool thread, (token, head) pairs interleaved so that the
    /// longer rows of late prefill positions spread evenly. Where the group kernel applies, a
    /// work item is a token's whole group of query heads on one key-value head (one pass over
    /// the cached rows for the group instead of one per head; the same floats).
    private func attend(_ batch: [BatchToken], layer: Int, scale: Float, window: Int?) {
        let h = hyperparameters
        let s = scratch
        let registerKernel = window == nil && h.headDimension == 64
        let grouped = !registerKernel && h.queryGroupSize > 1 && h.headDimension % 32 == 0
        let headsPerItem = grouped ? h.queryGroupSize : 1
        let itemsPerToken = h.headCount / headsPerItem
        let items = batch.count * itemsPerToken
        let threads = pool.threadCount
        pool.parallelFor(threads) { worker in
            var index = worker
            while index < items {
                let t = index / itemsPerToken
                let firstHead = (index % itemsPerToken) * headsPerItem
                let item = batch[t]
                let kvHead = firstHead / h.queryGroupSize
                let queries = s.query + t * h.headCount * h.headDimension + firstHead * h.headDimension
                let outputs = s.attention + t * h.headCount * h.headDimension + firstHead * h.headDimension
                let keys = cache.keys(slot: item.slot, layer: layer) + kvHead * h.headDimension
                let values = cache.values(slot: item.slot, layer: layer) + kvHead * h.headDimension
                // The cached rows of positions 0...position (the last `window` on a sliding
                // layer), in the cache's cell order.
                let (first, second) = cache.runs(
                    first: window.map { max(0, item.position + 1 - $0) } ?? 0, last: item.position, layer: layer)
                if let chunks = Attention.splitKVChunks(
                    queryRows: batch.count, cells: cache.viewedCells(position: item.position, layer: layer), threads: threads) {
                    // A lone query over a long view: ggml splits the cells into one chunk per thread.
                    for head in 0..<headsPerItem {
                        Attention.attendHeadSplit(query: queries + head * h.headDimension, keys: keys, values: values,
                                                  rowStride: h.kvDimension, first: first, second: second, chunks: chunks,
                                                  headDimension: h.headDimension, scale: scale,
                                                  output: outputs + head * h.headDimension)
                    }
                } else if registerKernel {
                    // The register kernel of the common head size.
                    Attention.attendHead(query: queries, keys: keys, values: values, rowStride: h.kvDimension,
                                         length: item.position + 1, headDimension: h.headDimension, scale: scale,
                                         output: outputs)
                } else {
                    Attention.attendGroupRuns(queries: queries, heads: headsPerItem, keys: keys, values: values,
                                              rowStride: h.kvDimension, first: first, second: second,
                                              headDimension: h.headDimension, scale: scale, outputs: outputs)
                }
                index += threads
            }
        }
    }
}
