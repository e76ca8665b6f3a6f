/// How many of a prompt's tokens one step evaluates.
///
/// Latency: while other sequences are decoding, a step takes at most `whileDecoding` prompt
/// tokens, so a long new prompt delays each running stream's next token by the time of a small
/// chunk instead of a whole one (chunked prefill, as vLLM's token budget per step).
///
/// Exactness: ggml picks a sequence's kernels by the rows it has in a batch (flash attention's
/// tiled kernel from 64 rows, the one-chunk kernel below; for repacked Q4_K the 4-row gemm for
/// the first n - n % 4 rows), and llama-server evaluates a prompt in micro-batches of 512 rows
/// from its first uncached token. A step's chunk therefore stays inside one of those
/// micro-batches, and a micro-batch of 64 rows or more is cut only into pieces of 64 rows or
/// more at multiples of 4 rows, so every row meets the kernels it meets in llama-server. With a
/// capacity under 64 rows (tests that mirror `-ub 32`) the micro-batch is the capacity itself.
/// Sliding-window models then keep llama-server's early batch ends (`PromptBatchBreaks`).
public struct PromptChunking: Sendable {
    /// Rows from which ggml's flash attention takes its tiled kernel (`GGML_FA_TILE_Q`).
    public static let tiledRows = 64
    /// llama-server's default `n_ubatch`.
    public static let llamaServerMicroBatch = 512

    /// The most prompt tokens a step holds (the engine's `prefillChunkTokens`).
    public var capacity: Int
    /// The most prompt tokens a step takes while other sequences decode.
    public var whileDecoding: Int
    public var breaks: PromptBatchBreaks

    public init(capacity: Int, whileDecoding: Int, breaks: PromptBatchBreaks) {
        self.capacity = capacity
        // A step must be able to start a tiled micro-batch, or a long prompt would wait forever.
        self.whileDecoding = capacity >= Self.tiledRows ? max(whileDecoding, Self.tiledRows) : whileDecoding
        self.breaks = breaks
    }

    private var microBatch: Int { capacity < Self.tiledRows ? capacity : Self.llamaServerMicroBatch }

    /// The prompt tokens a step may take in all.
    public func budget(decoding: Bool) -> Int {
        decoding ? min(capacity, whileDecoding) : capacity
    }

    /// The tokens to take from a prompt of which `evaluated` tokens were evaluated (since its
    /// cached prefix) and `remaining` were not, `limit` being what is left of the step's budget
    /// and `room` what is left of its capacity (`room >= limit`). Zero: wait for the next step.
    public func tokensToTake(evaluated: Int, remaining: Int, limit: Int, room: Int) -> Int {
        let offset = evaluated % microBatch
        let left = min(microBatch - offset, remaining)  // this micro-batch's rows not yet evaluated
        var take = min(left, limit)
        if offset + left >= Self.tiledRows, take < left {
            // A tiled micro-batch: no piece under 64 rows, pieces at multiples of 4.
            if left - take < Self.tiledRows {
                let shorter = (left - Self.tiledRows) / 4 * 4
                take = left <= room ? left : shorter >= Self.tiledRows ? shorter : take
            }
            take = take < left ? take / 4 * 4 : take
            if take < Self.tiledRows { return 0 }
        }
        return breaks.tokensToTake(remaining: remaining, limit: take)
    }
}
