import Kernels

extension LlamaWeights {
    /// Whether every matrix the forward pass multiplies is block-quantized. For those formats a
    /// product of a few tokens computes each token's dot products as a one-token product does
    /// (with no gemm rows, under `SpeculativeDecoding.maximumVerifyRows` tokens); the float
    /// formats switch to llama.cpp's prompt kernels from two tokens, which round differently.
    var allMatricesBlockQuantized: Bool {
        let matrices = [output] + layers.flatMap { [$0.query, $0.key, $0.value, $0.attentionOutput, $0.gate, $0.up, $0.down] }
        return matrices.allSatisfy { $0.format.isBlockQuantized }
    }
}
