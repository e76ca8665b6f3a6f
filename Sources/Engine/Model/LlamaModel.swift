import Foundation
import Kernels

/// The llama forward pass: embeddings, `blockCount` pre-norm transformer blocks (RMSNorm,
/// grouped-query attention with RoPE, gated feed-forward), final norm and output projection.
/// What the architectures add (biases, Q/K norms, post norms, pre-scaled queries, RoPE
/// factors and scaling) is read from the hyperparameters and the optional weights.
///
/// Works on a batch of tokens from any number of sequences at once; every matrix product
/// covers the whole batch, so weights stream from memory once per step, not once per token.
/// A batch of decode steps may instead run in parts side by side (`LlamaModel+DecodeParts`).
/// Not thread-safe: one engine thread drives it.
final class LlamaModel: @unchecked Sendable {
    // Safety: only the engine's scheduler thread calls `forward`; the pool is its own.
    let hyperparameters: LlamaHyperparameters
    let weights: LlamaWeights
    let cache: KVCache
    let pool: ComputePool
    /// Most tokens one `forward` call accepts.
    let maxBatchTokens: Int
    let scratch: ForwardScratch
    /// One embedding per RoPE base (gemma3's sliding layers have their own).
    private let rope: RotaryEmbedding
    private let slidingRope: RotaryEmbedding

    /// Rows of logits one `forward` call may produce.
    let maxLogitRows: Int
    /// The models that run the parts of a split decode batch, one a pool thread, each on its own
    /// one-thread pool and scratch; empty where batches are never split.
    let parts: [LlamaModel]

    convenience init(weights: LlamaWeights, hyperparameters: LlamaHyperparameters, cache: KVCache, pool: ComputePool,
                     maxBatchTokens: Int, maxLogitRows: Int) {
        self.init(weights: weights, hyperparameters: hyperparameters, cache: cache, pool: pool,
                  maxBatchTokens: maxBatchTokens, maxLogitRows: maxLogitRows,
                  partCount: Self.decodePartCount(weights: weights, threads: pool.threadCount))
    }

    /// - Parameter partCount: how many parts a decode batch may split into (0: none).
    private init(weights: LlamaWeights, hyperparameters: LlamaHyperparameters, cache: KVCache, pool: ComputePool,
                 maxBatchTokens: Int, maxLogitRows: Int, partCount: Int) {
        self.weights = weights
        self.hyperparameters = hyperparameters
        self.cache = cache
        self.pool = pool
        self.maxBatchTokens = maxBatchTokens
        self.maxLogitRows = maxLogitRows
        self.scratch = ForwardScratch(hyperparameters: hyperparameters, maxTokens: maxBatchTokens, maxLogitRows: maxLogitRows)
        // A sequence's context is the cache's capacity (LongRoPE picks its factors by it).
        let factors = weights.ropeFactors(contextLength: cache.capacity, hyperparameters: hyperparameters)
        rope = RotaryEmbedding(hyperparameters: hyperparameters, frequencyFactors: factors)
        slidingRope = RotaryEmbedding(
            hyperparameters: hyperparameters, base: hyperparameters.ropeFrequencyBaseSliding, frequencyFactors: factors)
        // A part writes its logits into this model's buffer, so it keeps none of its own.
        let partTokens = partCount > 1 ? (maxBatchTokens + partCount - 1) / partCount : 0
        parts = partTokens == 0 ? [] : (0..<partCount).map { _ in
            LlamaModel(weights: weights, hyperparameters: hyperparameters, cache: cache, pool: ComputePool(threadCount: 1),
                       maxBatchTokens: partTokens, maxLogitRows: 0, partCount: 0)
        }
    }

    /// Runs `batch` through the model, writing each cache slot's keys and values, and returns
    /// a pointer to the logits of the tokens with `wantsLogits`, in batch order, `vocabularySize`
    /// floats each. The pointer is valid until the next call.
    /// - Parameter rowsAsDecodeSteps: compute every row with the kernels a one-token decode step
    ///   uses (gemv rather than the 4-row gemm, split-KV attention decided per row as for a lone
    ///   query), so that each row's floats equal those of decoding its tokens one step at a time.
    ///   Speculative verification relies on it; the batch must be one sequence's consecutive
    ///   positions, fewer than `SpeculativeDecoding.maximumVerifyRows + 1`, on block-quantized weights.
    func forward(_ batch: [BatchToken], rowsAsDecodeSteps: Bool = false) -> UnsafeMutablePointer<Float> {
        precondition(batch.count <= maxBatchTokens && !batch.isEmpty, "batch size out of range")
        if !rowsAsDecodeSteps, let ranges = decodeParts(batch) {
            forwardInParts(batch, ranges: ranges)
        } else {
            forward(batch, queryRows: batch.count, logits: scratch.logits, rowsAsDecodeSteps: rowsAsDecodeSteps)
        }
        return scratch.logits
    }

    /// The pass itself, its logit rows written to `logits`.
    /// - Parameter queryRows: the rows of the whole batch this one is part of (attention takes ggml's
    ///   lone-query path by the batch's rows, not a part's).
    func forward(_ batch: [BatchToken], queryRows: Int, logits: UnsafeMutablePointer<Float>, rowsAsDecodeSteps: Bool) {
        let h = hyperparameters
        let d = h.embeddingLength
        let s = scratch

        for (index, item) in batch.enumerated() {
            MatrixMultiply.dequantizeRow(weights.tokenEmbedding, row: item.token, into: s.hidden + index * d)
            if let scale = h.embeddingScale { VectorOps.scale(s.hidden + index * d, by: scale, count: d) }
        }
        // Each token's RoPE table, computed once for every layer.
        for (t, item) in batch.enumerated() {
            rope.table(position: item.position, into: s.rope + t * rope.tableCount)
            if h.slidingWindow != nil {
                slidingRope.table(position: item.position, into: s.slidingRope + t * rope.tableCount)
            }
        }
        // A one-token step's products take no gemm rows (llama.cpp's gemm takes n - n % 4 of n).
        let gemmTokens: Int? = rowsAsDecodeSteps ? 0 : nil
        for (layerIndex, layer) in weights.layers.enumerated() {
            attentionBlock(batch, layer: layer, index: layerIndex, queryRows: queryRows, rowsAsDecodeSteps: rowsAsDecodeSteps)
            feedForwardBlock(tokens: batch.count, layer: layer, gemmTokens: gemmTokens)
        }
        outputLogits(batch, gemmTokens: gemmTokens, into: logits)
    }

    /// hidden += attention(norm(hidden)), with the layer's projections, biases, norms and RoPE.
    private func attentionBlock(_ batch: [BatchToken], layer: LlamaWeights.Layer, index layerIndex: Int, queryRows: Int,
                                rowsAsDecodeSteps: Bool) {
        let h = hyperparameters
        let n = batch.count
        let d = h.embeddingLength
        let s = scratch
        let queryWidth = h.headCount * h.headDimension
        let sliding = h.isSliding(layer: layerIndex)
        let layerRope = sliding ? slidingRope : rope
        let tables = sliding ? s.slidingRope : s.rope
        normRows(s.hidden, tokens: n, weight: layer.attentionNorm, output: s.normed)
        // One activation quantization and one parallel region for the three projections.
        let gemmTokens: Int? = rowsAsDecodeSteps ? 0 : nil
        MatrixMultiply.multiply([layer.query, layer.key, layer.value], input: s.normed, tokens: n,
                                outputs: [s.query, s.key, s.value], pool: pool, gemmTokens: gemmTokens)
        // Each token's work touches only its own rows and its own cache row: split across the pool
        // from a batch of decode steps up.
        forEachToken(n, chunk: 4, minimum: 8) { t in
            let item = batch[t]
            let query = s.query + t * queryWidth
            let key = s.key + t * h.kvDimension
            let value = s.value + t * h.kvDimension
            if let bias = layer.queryBias { VectorOps.add(query, bias, count: queryWidth) }
            if let bias = layer.keyBias { VectorOps.add(key, bias, count: h.kvDimension) }
            if let bias = layer.valueBias { VectorOps.add(value, bias, count: h.kvDimension) }
            if let norm = layer.queryNorm { headNorm(query, heads: h.headCount, weight: norm) }
            if let norm = layer.keyNorm { headNorm(key, heads: h.kvHeadCount, weight: norm) }
            let table = tables + t * layerRope.tableCount
            layerRope.apply(to: query, heads: h.headCount, table: table)
            layerRope.apply(to: key, heads: h.kvHeadCount, table: table)
            // ggml_scale on the queries, then attention with scale 1 (gemma3, phi3).
            if h.scalesQueries { VectorOps.scale(query, by: h.attentionScale, count: queryWidth) }
            let row = cache.row(for: item.position, layer: layerIndex) * h.kvDimension
            VectorOps.convertToF16(key, cache.keys(slot: item.slot, layer: layerIndex) + row, count: h.kvDimension)
            VectorOps.convertToF16(value, cache.values(slot: item.slot, layer: layerIndex) + row, count: h.kvDimension)
        }
        attend(batch, layer: layerIndex, scale: h.scalesQueries ? 1 : h.attentionScale,
               window: sliding ? h.slidingWindow : nil, queryRows: queryRows, rowsAsDecodeSteps: rowsAsDecodeSteps)
        MatrixMultiply.multiply(layer.attentionOutput, input: s.attention, tokens: n, output: s.normed, pool: pool,
                                gemmTokens: gemmTokens)
        addBias(layer.attentionOutputBias, to: s.normed, tokens: n, width: d)
        if let norm = layer.postAttentionNorm { normRows(s.normed, tokens: n, weight: norm) }
        VectorOps.add(s.hidden, s.normed, count: n * d)
    }

    /// hidden += down(act(gate(x)) * up(x)) with x = norm(hidden), plus the layer's biases and post norm.
    private func feedForwardBlock(tokens n: Int, layer: LlamaWeights.Layer, gemmTokens: Int?) {
        let h = hyperparameters
        let d = h.embeddingLength
        let s = scratch
        normRows(s.hidden, tokens: n, weight: layer.feedForwardNorm, output: s.normed)
        MatrixMultiply.multiply([layer.gate, layer.up], input: s.normed, tokens: n, outputs: [s.gate, s.up],
                                pool: pool, gemmTokens: gemmTokens)
        addBias(layer.gateBias, to: s.gate, tokens: n, width: h.feedForwardLength)
        addBias(layer.upBias, to: s.up, tokens: n, width: h.feedForwardLength)
        switch h.activation {
        case .silu: siluMultiply(count: n * h.feedForwardLength)
        case .geluTanh: GGMLGELU.geglu(s.gate, s.up, count: n * h.feedForwardLength, pool: pool)
        }
        MatrixMultiply.multiply(layer.down, input: s.gate, tokens: n, output: s.normed, pool: pool, gemmTokens: gemmTokens)
        addBias(layer.downBias, to: s.normed, tokens: n, width: d)
        if let norm = layer.postFeedForwardNorm { normRows(s.normed, tokens: n, weight: norm) }
        VectorOps.add(s.hidden, s.normed, count: n * d)
    }

    /// The final norm and output projection of the tokens whose next-token distribution is
    /// needed (only those go through the large output matrix).
    private func outputLogits(_ batch: [BatchToken], gemmTokens: Int?, into logits: UnsafeMutablePointer<Float>) {
        let h = hyperparameters
        let d = h.embeddingLength
        let s = scratch
        let wanted = batch.indices.filter { batch[$0].wantsLogits }
        let outputCount = wanted.count
        VectorOps.rmsNormRows(outputCount, input: { UnsafePointer(s.hidden + wanted[$0] * d) }, output: { s.normed + $0 * d },
                              weight: weights.outputNorm, epsilon: h.rmsEpsilon, count: d)
        if outputCount > 0 {
            MatrixMultiply.multiply(weights.output, input: s.normed, tokens: outputCount, output: logits, pool: pool,
                                    gemmTokens: gemmTokens)
            addBias(weights.outputBias, to: logits, tokens: outputCount, width: h.vocabularySize)
        }
    }

    /// RMSNorm of each of `heads` consecutive head vectors in place (qwen3's and gemma3's Q/K norms).
    private func headNorm(_ vectors: UnsafeMutablePointer<Float>, heads: Int, weight: UnsafePointer<Float>) {
        let h = hyperparameters
        for head in 0..<heads {
            let vector = vectors + head * h.headDimension
            VectorOps.rmsNorm(vector, weight: weight, epsilon: h.rmsEpsilon, count: h.headDimension, output: vector)
        }
    }

    /// RMSNorm of `tokens` rows of `embeddingLength` floats into `output` (in place without it),
    /// chunks of rows across the pool for a prompt's worth, four rows' sums interleaved within a chunk.
    private func normRows(_ rows: UnsafeMutablePointer<Float>, tokens n: Int, weight: UnsafePointer<Float>,
                          output: UnsafeMutablePointer<Float>? = nil) {
        let h = hyperparameters
        let d = h.embeddingLength
        let output = output ?? rows
        let chunk = 16
        let chunks = n >= 2 * chunk && pool.threadCount > 1 ? (n + chunk - 1) / chunk : 1
        let perChunk = (n + chunks - 1) / chunks
        pool.parallelFor(chunks) { c in
            let first = c * perChunk
            VectorOps.rmsNormRows(min(perChunk, n - first), input: { UnsafePointer(rows + (first + $0) * d) },
                                  output: { output + (first + $0) * d }, weight: weight, epsilon: h.rmsEpsilon, count: d)
        }
    }

    /// `gate = silu(gate) * up` over `count` floats, in chunks across the pool from a batch of
    /// decode steps up. Chunks start at multiples of 8, so every element takes the vector or scalar
    /// path it takes in one call.
    private func siluMultiply(count: Int) {
        let s = scratch
        let chunk = 4096
        guard count >= 2 * chunk, pool.threadCount > 1 else {
            VectorOps.siluMultiply(s.gate, s.up, count: count)
            return
        }
        pool.parallelFor((count + chunk - 1) / chunk) { task in
            let start = task * chunk
            VectorOps.siluMultiply(s.gate + start, s.up + start, count: min(chunk, count - start))
        }
    }

    /// Adds `bias` (`width` floats) to each of `tokens` rows (ggml_add broadcasting a bias).
    private func addBias(_ bias: UnsafePointer<Float>?, to rows: UnsafeMutablePointer<Float>, tokens n: Int, width: Int) {
        guard let bias else { return }
        for t in 0..<n { VectorOps.add(rows + t * width, bias, count: width) }
    }

    /// Runs `body` for tokens `0..<count`, split across the pool in chunks of `chunk` tokens once
    /// there are `minimum` (each token's work writes only its own rows).
    private func forEachToken(_ count: Int, chunk: Int = 16, minimum: Int = 32, _ body: (Int) -> Void) {
        guard count >= minimum, pool.threadCount > 1 else {
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
    /// With `rowsAsDecodeSteps`, each row takes the kernel a lone query at its position takes.
    private func attend(_ batch: [BatchToken], layer: Int, scale: Float, window: Int?, queryRows batchRows: Int,
                        rowsAsDecodeSteps: Bool) {
        let h = hyperparameters
        let s = scratch
        // A sequence with 64 rows or more in the batch takes ggml's tiled path (`attendTiled`).
        let tiled = rowsAsDecodeSteps ? [] : tiledSlots(batch)
        let queryRows = rowsAsDecodeSteps ? 1 : batchRows
        if !tiled.isEmpty {
            attendTiled(batch, slots: tiled, layer: layer, scale: scale, window: window, queries: s.query,
                        outputs: s.attention)
            if batch.allSatisfy({ tiled.contains($0.slot) }) { return }
        }
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
                if tiled.contains(item.slot) {
                    index += threads
                    continue
                }
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
                    queryRows: queryRows, cells: cache.viewedCells(position: item.position, layer: layer), threads: threads) {
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
