/// Where llama-server ends a prompt batch early for a sliding-window model, so that the engine
/// batches a prompt as llama-server does and its sums round the same way.
///
/// llama-server cannot roll a sliding-window cache back, so it saves context checkpoints a few
/// tokens before the end of each prompt: it stops filling a batch when exactly 4 + n_ubatch or
/// exactly 4 prompt tokens remain (server-context.cpp, `checkpoint_offsets`, llama.cpp PR 20288).
/// The prompt's last 4 tokens are therefore always a batch of their own. Batch boundaries change
/// which kernel runs (ggml switches to gemm and tiled kernels by the number of rows) and so the
/// logits in their last bits; for Gemma 3 the difference reaches tenths of a nat.
public struct PromptBatchBreaks: Sendable {
    /// Remaining-token counts at which a batch ends, largest first.
    public let remainders: [Int]

    /// No breaks: models with full attention only.
    public static let none = PromptBatchBreaks(remainders: [])

    /// llama-server's breaks for a sliding-window model: `batch` is its `n_batch` (here the
    /// engine's prefill chunk), `microBatch` its `n_ubatch` (default 512). A break never lies
    /// further back than one batch (`n_last = min(n_batch, offset)`).
    public static func llamaServerSlidingWindow(batch: Int, microBatch: Int = 512) -> PromptBatchBreaks {
        PromptBatchBreaks(remainders: [min(batch, 4 + microBatch), min(batch, 4)])
    }

    /// The most prompt tokens to put into this batch, `remaining` being those not yet evaluated
    /// and `limit` the most the batch could otherwise take. As in llama-server, the batch stops at
    /// the first break it reaches, so a break is only honoured when at least one token comes before it.
    public func tokensToTake(remaining: Int, limit: Int) -> Int {
        var take = min(remaining, limit)
        for remainder in remainders where remainder < remaining {
            take = min(take, remaining - remainder)
        }
        return take
    }
}
