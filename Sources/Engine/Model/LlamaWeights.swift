import GGUF
import Kernels

/// Views on a llama model's tensors inside the memory-mapped GGUF file. Nothing is copied (the
/// OS pages weights in on first use and shares them between processes), except the Q4_K
/// matrices llama.cpp also repacks, which get an 8-row tiled copy (`RepackedWeights`) that the
/// AVX2 products read instead.
struct LlamaWeights: @unchecked Sendable {
    // Safety: every pointer points into `file`'s read-only mapping, which this value keeps alive.
    struct Layer {
        var attentionNorm: UnsafePointer<Float>
        var query: WeightMatrix
        var key: WeightMatrix
        var value: WeightMatrix
        var attentionOutput: WeightMatrix
        var feedForwardNorm: UnsafePointer<Float>
        var gate: WeightMatrix
        var up: WeightMatrix
        var down: WeightMatrix
        /// gemma3 only: per-head RMSNorm weights of queries and keys (`headDimension` floats),
        /// and the norms applied to the attention and feed-forward outputs before the residual.
        var gemma: GemmaNorms?
    }

    struct GemmaNorms {
        var query: UnsafePointer<Float>
        var key: UnsafePointer<Float>
        var postAttention: UnsafePointer<Float>
        var postFeedForward: UnsafePointer<Float>
    }

    let file: GGUFFile
    let tokenEmbedding: WeightMatrix
    let outputNorm: UnsafePointer<Float>
    /// The output projection; the token embedding itself when the model ties them.
    let output: WeightMatrix
    let layers: [Layer]
    /// Owners of the repacked copies the layers' matrices point into.
    private let repacked: [RepackedWeights]

    init(file: GGUFFile, hyperparameters h: LlamaHyperparameters) throws(EngineError) {
        self.file = file
        let loader = TensorLoader(file: file)
        tokenEmbedding = try loader.matrix("token_embd.weight", rows: h.vocabularySize, columns: h.embeddingLength)
        outputNorm = try loader.vector("output_norm.weight", count: h.embeddingLength)
        let untiedOutput = file.tensor(named: "output.weight") != nil
        var output: WeightMatrix
        if untiedOutput {
            output = try loader.matrix("output.weight", rows: h.vocabularySize, columns: h.embeddingLength)
        } else {
            // Tied: llama.cpp keeps the embedding in its plain buffer, never repacked.
            var tied = tokenEmbedding
            tied.repackedInLlama = false
            output = tied
        }
        var owners: [RepackedWeights] = []
        func repack(_ matrix: WeightMatrix) -> WeightMatrix {
            guard let copy = RepackedWeights(matrix) else { return matrix }
            owners.append(copy)
            // The AVX2 products read only the copy: the file's pages of the original can go.
            ResidentPages.release(UnsafeRawBufferPointer(start: matrix.data, count: matrix.rows * matrix.rowByteCount))
            return copy.matrix
        }
        var layers: [Layer] = []
        for index in 0..<h.blockCount {
            let prefix = "blk.\(index)."
            layers.append(Layer(
                attentionNorm: try loader.vector(prefix + "attn_norm.weight", count: h.embeddingLength),
                query: try loader.matrix(prefix + "attn_q.weight", rows: h.headCount * h.headDimension, columns: h.embeddingLength),
                key: try loader.matrix(prefix + "attn_k.weight", rows: h.kvDimension, columns: h.embeddingLength),
                value: try loader.matrix(prefix + "attn_v.weight", rows: h.kvDimension, columns: h.embeddingLength),
                attentionOutput: try loader.matrix(
                    prefix + "attn_output.weight", rows: h.embeddingLength, columns: h.headCount * h.headDimension),
                feedForwardNorm: try loader.vector(prefix + "ffn_norm.weight", count: h.embeddingLength),
                gate: try loader.matrix(prefix + "ffn_gate.weight", rows: h.feedForwardLength, columns: h.embeddingLength),
                up: try loader.matrix(prefix + "ffn_up.weight", rows: h.feedForwardLength, columns: h.embeddingLength),
                down: try loader.matrix(prefix + "ffn_down.weight", rows: h.embeddingLength, columns: h.feedForwardLength),
                gemma: h.hasGemmaNorms
                    ? GemmaNorms(
                        query: try loader.vector(prefix + "attn_q_norm.weight", count: h.headDimension),
                        key: try loader.vector(prefix + "attn_k_norm.weight", count: h.headDimension),
                        postAttention: try loader.vector(prefix + "post_attention_norm.weight", count: h.embeddingLength),
                        postFeedForward: try loader.vector(prefix + "post_ffw_norm.weight", count: h.embeddingLength))
                    : nil
            ))
        }
        self.layers = layers.map { layer in
            var layer = layer
            layer.query = repack(layer.query)
            layer.key = repack(layer.key)
            layer.value = repack(layer.value)
            layer.attentionOutput = repack(layer.attentionOutput)
            layer.gate = repack(layer.gate)
            layer.up = repack(layer.up)
            layer.down = repack(layer.down)
            return layer
        }
        self.output = untiedOutput ? repack(output) : output
        repacked = owners
    }
}

/// Finds tensors by name and checks their shape and type before handing out views.
private struct TensorLoader {
    let file: GGUFFile

    func tensor(_ name: String, shape: [Int]) throws(EngineError) -> GGUFTensorInfo {
        guard let tensor = file.tensor(named: name) else { throw .invalidModel("missing tensor '\(name)'") }
        guard tensor.shape == shape else {
            throw .invalidModel("tensor '\(name)' has shape \(tensor.shape), expected \(shape)")
        }
        return tensor
    }

    func matrix(_ name: String, rows: Int, columns: Int) throws(EngineError) -> WeightMatrix {
        let info = try tensor(name, shape: [columns, rows])
        guard let format = WeightFormat(ggmlName: info.type.name) else {
            throw .unsupportedModel("tensor '\(name)' is \(info.type.name); supported: \(WeightFormat.supportedNames)")
        }
        guard let base = file.tensorData(info).baseAddress else { throw .invalidModel("tensor '\(name)' is empty") }
        return WeightMatrix(format: format, rows: rows, columns: columns, data: base)
    }

    func vector(_ name: String, count: Int) throws(EngineError) -> UnsafePointer<Float> {
        let info = try tensor(name, shape: [count])
        guard info.type == .f32 else { throw .unsupportedModel("tensor '\(name)' is \(info.type.name), expected F32") }
        guard let base = file.tensorData(info).baseAddress else { throw .invalidModel("tensor '\(name)' is empty") }
        return base.assumingMemoryBound(to: Float.self)
    }
}
