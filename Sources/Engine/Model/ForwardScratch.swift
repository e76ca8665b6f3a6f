/// Activation buffers for one forward pass of up to `maxTokens` tokens, allocated once.
final class ForwardScratch: @unchecked Sendable {
    // Safety: used only by the model's single driving thread (and its pool's workers, on disjoint parts).
    let hidden: UnsafeMutablePointer<Float>
    let normed: UnsafeMutablePointer<Float>
    let query: UnsafeMutablePointer<Float>
    let key: UnsafeMutablePointer<Float>
    let value: UnsafeMutablePointer<Float>
    let attention: UnsafeMutablePointer<Float>
    let gate: UnsafeMutablePointer<Float>
    let up: UnsafeMutablePointer<Float>
    let logits: UnsafeMutablePointer<Float>
    /// Each token's rotary cosines and sines (`ropeDimension` floats a token).
    let rope: UnsafeMutablePointer<Float>
    /// The same for the sliding-window layers' RoPE base (gemma3).
    let slidingRope: UnsafeMutablePointer<Float>
    private var allocations: [UnsafeMutablePointer<Float>] = []

    init(hyperparameters h: LlamaHyperparameters, maxTokens: Int, maxLogitRows: Int) {
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            pointer.initialize(repeating: 0, count: max(count, 1))
            return pointer
        }
        let queryWidth = h.headCount * h.headDimension
        hidden = buffer(maxTokens * h.embeddingLength)
        normed = buffer(maxTokens * max(h.embeddingLength, queryWidth))
        query = buffer(maxTokens * queryWidth)
        key = buffer(maxTokens * h.kvDimension)
        value = buffer(maxTokens * h.kvDimension)
        attention = buffer(maxTokens * queryWidth)
        gate = buffer(maxTokens * h.feedForwardLength)
        up = buffer(maxTokens * h.feedForwardLength)
        logits = buffer(maxLogitRows * h.vocabularySize)
        rope = buffer(maxTokens * h.ropeDimension)
        slidingRope = buffer(h.slidingWindow != nil ? maxTokens * h.ropeDimension : 0)
        allocations = [hidden, normed, query, key, value, attention, gate, up, logits, rope, slidingRope]
    }

    deinit {
        for pointer in allocations { pointer.deallocate() }
    }
}
