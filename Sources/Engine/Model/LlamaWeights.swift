import GGUF
import Kernels

/// Views on a llama model's tensors inside the memory-mapped GGUF file. Nothing is copied (the
/// OS pages weights in on first use and shares them between processes), except the Q4_K
/// matrices llama.cpp also repacks, which get an 8-row tiled copy, and the Q6_K matrices, which
/// get a rearranged one (`RepackedWeights`), that the AVX2 products read instead.
struct LlamaWeights: @unchecked Sendable {
    // Safety: every pointer points into `file`'s read-only mapping, which this value keeps alive.
    /// One block's tensors. The optional ones are what some architectures add (llama.cpp loads
    /// biases wherever the file has them); fused tensors (`attn_qkv`, phi3's `ffn_up`) are split
    /// into row ranges here, so the forward pass sees separate matrices either way.
    struct Layer {
        var attentionNorm: UnsafePointer<Float>
        var query: WeightMatrix
        var key: WeightMatrix
        var value: WeightMatrix
        var queryBias: UnsafePointer<Float>?
        var keyBias: UnsafePointer<Float>?
        var valueBias: UnsafePointer<Float>?
        /// Per-head RMSNorm weights of queries and keys (`headDimension` floats; qwen3, gemma3).
        var queryNorm: UnsafePointer<Float>?
        var keyNorm: UnsafePointer<Float>?
        var attentionOutput: WeightMatrix
        var attentionOutputBias: UnsafePointer<Float>?
        /// Norm of the attention output before the residual (gemma3).
        var postAttentionNorm: UnsafePointer<Float>?
        var feedForwardNorm: UnsafePointer<Float>
        var gate: WeightMatrix
        var up: WeightMatrix
        var down: WeightMatrix
        var gateBias: UnsafePointer<Float>?
        var upBias: UnsafePointer<Float>?
        var downBias: UnsafePointer<Float>?
        /// Norm of the feed-forward output before the residual (gemma3).
        var postFeedForwardNorm: UnsafePointer<Float>?
    }

    let file: GGUFFile
    let tokenEmbedding: WeightMatrix
    let outputNorm: UnsafePointer<Float>
    /// The output projection; the token embedding itself when the model ties them.
    let output: WeightMatrix
    let outputBias: UnsafePointer<Float>?
    /// RoPE frequency factors (`ropeDimension / 2` floats): `rope_freqs`, or LongRoPE's pair.
    let ropeFrequencies: UnsafePointer<Float>?
    let ropeFactorsLong: UnsafePointer<Float>?
    let ropeFactorsShort: UnsafePointer<Float>?
    let layers: [Layer]
    /// Owners of the repacked copies the layers' matrices point into.
    private let repacked: [RepackedWeights]

    init(file: GGUFFile, hyperparameters h: LlamaHyperparameters) throws(EngineError) {
        self.file = file
        let loader = TensorLoader(file: file, architecture: h.architecture)
        let embedding = try loader.matrix("token_embd.weight", rows: h.vocabularySize, columns: h.embeddingLength)
        outputNorm = try loader.vector("output_norm.weight", count: h.embeddingLength)
        let untiedOutput = file.tensor(named: "output.weight") != nil
        var output: WeightMatrix
        if untiedOutput {
            output = try loader.matrix("output.weight", rows: h.vocabularySize, columns: h.embeddingLength)
        } else {
            // Tied: llama.cpp keeps the embedding in its plain buffer, never repacked.
            var tied = embedding
            tied.repackedInLlama = false
            output = tied
        }
        outputBias = try loader.optionalVector("output.bias", count: h.vocabularySize)
        let pairs = h.ropeDimension / 2
        switch h.ropeFactors {
        case .none:
            (ropeFrequencies, ropeFactorsLong, ropeFactorsShort) = (nil, nil, nil)
        case .frequencies:
            ropeFrequencies = try loader.optionalVector("rope_freqs.weight", count: pairs)
            (ropeFactorsLong, ropeFactorsShort) = (nil, nil)
        case .longShort:
            ropeFrequencies = nil
            ropeFactorsLong = try loader.optionalVector("rope_factors_long.weight", count: pairs)
            ropeFactorsShort = try loader.optionalVector("rope_factors_short.weight", count: pairs)
        }
        var owners: [RepackedWeights] = []
        func repack(_ matrix: WeightMatrix) -> WeightMatrix {
            // The AVX2 products read only the copy: the file's pages of the original can go, as
            // the copy is made.
            guard let copy = RepackedWeights(matrix, release: ResidentPages.release) else { return matrix }
            owners.append(copy)
            return copy.matrix
        }
        var layers: [Layer] = []
        for index in 0..<h.blockCount {
            layers.append(try Self.layer(index, loader: loader, hyperparameters: h))
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
        // A tied Q4_K output stays as llama.cpp keeps it; a Q6_K one is rearranged and a Q8_0 one
        // tiled either way (the same results).
        self.output = untiedOutput || output.format == .q6_K || output.format == .q8_0 ? repack(output) : output
        // A rearranged or tiled tied output serves the embedding's lookups too (its rows decode to
        // the file's values): the file's pages stay dropped.
        let servesLookups = self.output.q6KRows != nil || (self.output.format == .q8_0 && self.output.rowTiles != nil)
        tokenEmbedding = !untiedOutput && servesLookups ? self.output : embedding
        repacked = owners
    }

    /// The frequency factors RoPE uses with a context of `contextLength` tokens a sequence:
    /// llama_model::get_rope_factors (`rope_freqs` first, then LongRoPE's long factors past
    /// the original context length, the short ones within it).
    func ropeFactors(contextLength: Int, hyperparameters h: LlamaHyperparameters) -> UnsafePointer<Float>? {
        if let ropeFrequencies { return ropeFrequencies }
        return contextLength > h.ropeScaling.originalContextLength ? ropeFactorsLong : ropeFactorsShort
    }

    private static func layer(_ index: Int, loader: TensorLoader, hyperparameters h: LlamaHyperparameters)
        throws(EngineError) -> Layer
    {
        let prefix = "blk.\(index)."
        let d = h.embeddingLength
        let queryWidth = h.headCount * h.headDimension
        let widths = [queryWidth, h.kvDimension, h.kvDimension]
        // Q, K and V: separate tensors, or row ranges of the fused `attn_qkv` (build_qkv's views).
        let projections: [WeightMatrix]
        var biases: [UnsafePointer<Float>?]
        if loader.has(prefix + "attn_qkv.weight") {
            projections = try loader.rowRanges(prefix + "attn_qkv.weight", rows: widths, columns: d)
            if let fused = try loader.optionalVector(prefix + "attn_qkv.bias", count: widths.reduce(0, +)) {
                biases = [fused, fused + widths[0], fused + widths[0] + widths[1]]
            } else {
                biases = [nil, nil, nil]
            }
        } else {
            if !loader.has(prefix + "attn_q.weight") {
                throw .invalidModel("missing tensor '\(prefix)attn_q.weight' or the fused '\(prefix)attn_qkv.weight' (architecture \(h.architecture))")
            }
            projections = [
                try loader.matrix(prefix + "attn_q.weight", rows: queryWidth, columns: d),
                try loader.matrix(prefix + "attn_k.weight", rows: h.kvDimension, columns: d),
                try loader.matrix(prefix + "attn_v.weight", rows: h.kvDimension, columns: d),
            ]
            biases = [nil, nil, nil]
        }
        if biases[0] == nil {
            // Separate biases (also beside a fused weight in legacy files, as create_tensor_qkv allows).
            let q = try loader.optionalVector(prefix + "attn_q.bias", count: widths[0])
            let k = try loader.optionalVector(prefix + "attn_k.bias", count: widths[1])
            let v = try loader.optionalVector(prefix + "attn_v.bias", count: widths[2])
            biases = [q, k, v]
        }
        // Gate and up: separate tensors, or the halves of phi3's `ffn_up` (gate first, as ggml_swiglu reads it).
        let gate: WeightMatrix, up: WeightMatrix
        if h.fusedGateUp {
            let halves = try loader.rowRanges(prefix + "ffn_up.weight", rows: [h.feedForwardLength, h.feedForwardLength], columns: d)
            (gate, up) = (halves[0], halves[1])
        } else {
            gate = try loader.matrix(prefix + "ffn_gate.weight", rows: h.feedForwardLength, columns: d)
            up = try loader.matrix(prefix + "ffn_up.weight", rows: h.feedForwardLength, columns: d)
        }
        func norm(_ name: String, count: Int, required: Bool) throws(EngineError) -> UnsafePointer<Float>? {
            required ? try loader.vector(prefix + name, count: count) : nil
        }
        return Layer(
            attentionNorm: try loader.vector(prefix + "attn_norm.weight", count: d),
            query: projections[0], key: projections[1], value: projections[2],
            queryBias: biases[0], keyBias: biases[1], valueBias: biases[2],
            queryNorm: try norm("attn_q_norm.weight", count: h.headDimension, required: h.hasQueryKeyNorms),
            keyNorm: try norm("attn_k_norm.weight", count: h.headDimension, required: h.hasQueryKeyNorms),
            attentionOutput: try loader.matrix(prefix + "attn_output.weight", rows: d, columns: queryWidth),
            attentionOutputBias: try loader.optionalVector(prefix + "attn_output.bias", count: d),
            postAttentionNorm: try norm("post_attention_norm.weight", count: d, required: h.hasPostNorms),
            feedForwardNorm: try loader.vector(prefix + "ffn_norm.weight", count: d),
            gate: gate, up: up,
            down: try loader.matrix(prefix + "ffn_down.weight", rows: d, columns: h.feedForwardLength),
            gateBias: h.fusedGateUp ? nil : try loader.optionalVector(prefix + "ffn_gate.bias", count: h.feedForwardLength),
            upBias: h.fusedGateUp ? nil : try loader.optionalVector(prefix + "ffn_up.bias", count: h.feedForwardLength),
            downBias: try loader.optionalVector(prefix + "ffn_down.bias", count: d),
            postFeedForwardNorm: try norm("post_ffw_norm.weight", count: d, required: h.hasPostNorms))
    }
}

/// Finds tensors by name and checks their shape and type before handing out views.
private struct TensorLoader {
    let file: GGUFFile
    /// Named in errors: a tensor one architecture needs may be absent from another's files.
    let architecture: String

    func has(_ name: String) -> Bool { file.tensor(named: name) != nil }

    func tensor(_ name: String, shape: [Int]) throws(EngineError) -> GGUFTensorInfo {
        guard let tensor = file.tensor(named: name) else {
            throw .invalidModel("missing tensor '\(name)' (architecture \(architecture))")
        }
        guard tensor.shape == shape else {
            throw .invalidModel("tensor '\(name)' has shape \(tensor.shape), expected \(shape) (architecture \(architecture))")
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

    /// Consecutive row ranges of one fused matrix, `rows[i]` rows each, as separate views. Each
    /// output element is the same dot product either way; the views keep the fused tensor's
    /// repacking (llama.cpp repacks the whole tensor or none of it).
    func rowRanges(_ name: String, rows: [Int], columns: Int) throws(EngineError) -> [WeightMatrix] {
        let whole = try matrix(name, rows: rows.reduce(0, +), columns: columns)
        var first = 0
        return rows.map { count in
            var part = WeightMatrix(format: whole.format, rows: count, columns: columns,
                                    data: whole.data + first * whole.rowByteCount)
            part.repackedInLlama = whole.repackedInLlama && count % 8 == 0
            first += count
            return part
        }
    }

    func vector(_ name: String, count: Int) throws(EngineError) -> UnsafePointer<Float> {
        let info = try tensor(name, shape: [count])
        guard info.type == .f32 else { throw .unsupportedModel("tensor '\(name)' is \(info.type.name), expected F32") }
        guard let base = file.tensorData(info).baseAddress else { throw .invalidModel("tensor '\(name)' is empty") }
        return base.assumingMemoryBound(to: Float.self)
    }

    /// A vector the architecture allows but does not require: nil when absent, an error when malformed.
    func optionalVector(_ name: String, count: Int) throws(EngineError) -> UnsafePointer<Float>? {
        has(name) ? try vector(name, count: count) : nil
    }
}
