import Kernels

extension LlamaModel {
    /// Query tokens of one sequence per tiled work item: with the group's heads, up to 64 rows that
    /// share each widened key and value tile.
    private static let tiledRowsPerItem = 64

    /// The slots whose tokens take ggml's tiled attention in this batch: those with 64 rows or more.
    /// ggml decides by the ubatch's rows; llama-server's ubatch (one sequence, `--parallel 1`) holds
    /// one sequence's rows, which is what the references test. Deciding per sequence keeps a
    /// sequence's floats independent of the others that share its batch (a short prompt or a decode
    /// step computes the same alone or beside a long prompt); a batch of several sequences could not
    /// match llama.cpp's anyway, whose unified cache interleaves their cells (other KV tiles).
    func tiledSlots(_ batch: [BatchToken]) -> Set<Int> {
        guard TiledAttention.applies(queryRows: batch.count) else { return [] }
        var rows: [Int: Int] = [:]
        for item in batch { rows[item.slot, default: 0] += 1 }
        return Set(rows.filter { TiledAttention.applies(queryRows: $0.value) }.keys)
    }

    /// Attention of the batch tokens of `slots` as ggml computes it for a batch of 64 rows or more
    /// (`TiledAttention`): work items of consecutive tokens of one sequence on one key-value head,
    /// claimed by the pool's threads, the longest (latest positions) first.
    /// - Parameters:
    ///   - queries: token `t`'s query heads at `queries + t * headCount * headDimension`; `outputs` alike.
    func attendTiled(_ batch: [BatchToken], slots: Set<Int>, layer: Int, scale: Float, window: Int?,
                     queries: UnsafeMutablePointer<Float>, outputs: UnsafeMutablePointer<Float>) {
        let h = hyperparameters
        let group = h.queryGroupSize
        let cells = batch.map { item in
            let (first, second) = cache.runs(
                first: window.map { max(0, item.position + 1 - $0) } ?? 0, last: item.position, layer: layer)
            return TiledAttention.Cells(first: first, second: second)
        }
        // Blocks of consecutive tokens of one slot.
        let tokensPerBlock = max(1, Self.tiledRowsPerItem / group)
        var blocks: [Range<Int>] = []
        var start = 0
        while start < batch.count {
            guard slots.contains(batch[start].slot) else {
                start += 1
                continue
            }
            var end = start + 1
            while end < batch.count, end - start < tokensPerBlock, batch[end].slot == batch[start].slot { end += 1 }
            blocks.append(start..<end)
            start = end
        }
        blocks.sort { batch[$0.upperBound - 1].position > batch[$1.upperBound - 1].position }
        let tokenStride = h.headCount * h.headDimension
        pool.parallelFor(blocks.count * h.kvHeadCount) { index in
            let block = blocks[index / h.kvHeadCount], kvHead = index % h.kvHeadCount
            let slot = batch[block.lowerBound].slot
            let offset = block.lowerBound * tokenStride + kvHead * group * h.headDimension
            TiledAttention.attend(
                queries: queries + offset, tokenStride: tokenStride, heads: group, cells: Array(cells[block]),
                keys: cache.keys(slot: slot, layer: layer) + kvHead * h.headDimension,
                values: cache.values(slot: slot, layer: layer) + kvHead * h.headDimension,
                rowStride: h.kvDimension, headDimension: h.headDimension, scale: scale, outputs: outputs + offset)
        }
    }
}
