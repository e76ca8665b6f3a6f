import Kernels

extension LlamaModel {
    /// Query tokens of one sequence per tiled work item: with the group's heads, up to 64 rows that
    /// share each widened key and value tile.
    private static let tiledRowsPerItem = 64

    /// Attention of a batch of 64 or more tokens as ggml computes it for such a batch
    /// (`TiledAttention`): work items of consecutive tokens of one sequence on one key-value head,
    /// claimed by the pool's threads, the longest (latest positions) first.
    /// - Parameters:
    ///   - queries: token `t`'s query heads at `queries + t * headCount * headDimension`; `outputs` alike.
    func attendTiled(_ batch: [BatchToken], layer: Int, scale: Float, window: Int?,
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
