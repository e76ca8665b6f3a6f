import Foundation
import Kernels

/// The BERT encoder's forward pass over a batch of token sequences.
///
/// The sequences are packed end to end (no padding): the linear layers run once over every
/// token of the batch, and attention runs per sequence over its own tokens only. This is what
/// a padded batch with an attention mask computes, without the padded positions' work.
public final class BertEncoder: Sendable {
    public let configuration: BertConfiguration
    let weights: BertWeights

    init(weights: BertWeights) {
        self.weights = weights
        configuration = weights.configuration
    }

    /// The last layer's hidden states, `tokens × hiddenSize` floats (the sequences' tokens in
    /// order), for sequences already checked against the vocabulary and position limits.
    func hiddenStates(_ sequences: [[Int]], pool: ComputePool) -> [Float] {
        let h = configuration.hiddenSize
        let tokens = sequences.reduce(0) { $0 + $1.count }
        guard tokens > 0 else { return [] }
        var starts: [Int] = []
        var offset = 0
        for sequence in sequences {
            starts.append(offset)
            offset += sequence.count
        }
        var states = [Float](repeating: 0, count: tokens * h)
        let scratch = Scratch(tokens: tokens, hidden: h, intermediate: configuration.intermediateSize)
        defer { scratch.deallocate() }
        states.withUnsafeMutableBufferPointer { buffer in
            guard let x = buffer.baseAddress else { return }
            embed(sequences, starts: starts, into: x, pool: pool)
            for layer in weights.layers {
                runLayer(layer, x: x, tokens: tokens, sequences: sequences.map(\.count), starts: starts, scratch: scratch, pool: pool)
            }
        }
        return states
    }

    /// Word + position + token-type (0) embeddings, then LayerNorm.
    private func embed(_ sequences: [[Int]], starts: [Int], into x: UnsafeMutablePointer<Float>, pool: ComputePool) {
        let h = configuration.hiddenSize
        let w = weights
        let epsilon = configuration.layerNormEpsilon
        pool.parallelFor(sequences.count) { s in
            for (position, id) in sequences[s].enumerated() {
                let row = x + (starts[s] + position) * h
                let word = w.wordEmbeddings + id * h
                let place = w.positionEmbeddings + position * h
                for c in 0..<h { row[c] = word[c] + place[c] + w.tokenTypeEmbeddings[c] }
                BertOps.layerNorm(row, w.embeddingNorm, epsilon: epsilon, count: h)
            }
        }
    }

    private func runLayer(
        _ layer: BertWeights.Layer, x: UnsafeMutablePointer<Float>, tokens: Int, sequences lengths: [Int], starts: [Int],
        scratch: Scratch, pool: ComputePool
    ) {
        let h = configuration.hiddenSize
        let epsilon = configuration.layerNormEpsilon
        BertOps.linear(layer.query, input: x, tokens: tokens, output: scratch.query, pool: pool)
        BertOps.linear(layer.key, input: x, tokens: tokens, output: scratch.key, pool: pool)
        BertOps.linear(layer.value, input: x, tokens: tokens, output: scratch.value, pool: pool)
        BertOps.attention(
            query: scratch.query, key: scratch.key, value: scratch.value, output: scratch.context, lengths: lengths,
            starts: starts, heads: configuration.headCount, headSize: configuration.headSize, pool: pool)
        BertOps.linear(layer.attentionOutput, input: scratch.context, tokens: tokens, output: scratch.query, pool: pool)
        BertOps.addAndNormalize(x, scratch.query, layer.attentionNorm, epsilon: epsilon, tokens: tokens, count: h, pool: pool)
        BertOps.linear(layer.intermediate, input: x, tokens: tokens, output: scratch.intermediate, pool: pool)
        BertOps.gelu(scratch.intermediate, count: tokens * configuration.intermediateSize, pool: pool)
        BertOps.linear(layer.output, input: scratch.intermediate, tokens: tokens, output: scratch.query, pool: pool)
        BertOps.addAndNormalize(x, scratch.query, layer.outputNorm, epsilon: epsilon, tokens: tokens, count: h, pool: pool)
    }

    /// The forward pass's temporary activations, sized for one batch.
    private struct Scratch {
        let query, key, value, context, intermediate: UnsafeMutablePointer<Float>

        init(tokens: Int, hidden: Int, intermediate size: Int) {
            query = .allocate(capacity: tokens * hidden)
            key = .allocate(capacity: tokens * hidden)
            value = .allocate(capacity: tokens * hidden)
            context = .allocate(capacity: tokens * hidden)
            intermediate = .allocate(capacity: tokens * size)
        }

        func deallocate() {
            for buffer in [query, key, value, context, intermediate] { buffer.deallocate() }
        }
    }
}
