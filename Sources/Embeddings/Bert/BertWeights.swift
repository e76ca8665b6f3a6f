import Kernels

/// A BERT encoder's parameters, read from a safetensors file: F32 tensors are used in place
/// in the mapping (when 4-byte aligned), others are converted to F32 copies this object owns.
final class BertWeights: @unchecked Sendable {
    // Safety: read-only after init; the mapping and the copies live as long as this object.
    struct Linear {
        let weight: WeightMatrix
        /// The same weights in the panels the batched AVX2 kernel reads.
        let packed: PackedFloatMatrix
        let bias: UnsafePointer<Float>
    }

    struct Norm {
        let weight: UnsafePointer<Float>
        let bias: UnsafePointer<Float>
    }

    struct Layer {
        let query: Linear, key: Linear, value: Linear
        let attentionOutput: Linear
        let attentionNorm: Norm
        let intermediate: Linear
        let output: Linear
        let outputNorm: Norm
    }

    let configuration: BertConfiguration
    let wordEmbeddings: UnsafePointer<Float>
    let positionEmbeddings: UnsafePointer<Float>
    let tokenTypeEmbeddings: UnsafePointer<Float>
    let embeddingNorm: Norm
    let layers: [Layer]

    private let file: SafetensorsFile
    private var copies: [UnsafeMutablePointer<Float>] = []

    init(file: SafetensorsFile, configuration: BertConfiguration) throws(EmbeddingsError) {
        self.file = file
        self.configuration = configuration
        // BertModel checkpoints name tensors `embeddings.…`; BertFor… checkpoints prefix `bert.`.
        let prefix = file.tensors["embeddings.word_embeddings.weight"] == nil && file.tensors["bert.embeddings.word_embeddings.weight"] != nil
            ? "bert." : ""
        let h = configuration.hiddenSize
        let i = configuration.intermediateSize
        var copies: [UnsafeMutablePointer<Float>] = []
        func floats(_ name: String, _ shape: [Int]) throws(EmbeddingsError) -> UnsafePointer<Float> {
            let tensor = try file.tensor(prefix + name, shape: shape)
            if tensor.dtype == .f32, let base = tensor.bytes.baseAddress, Int(bitPattern: base) % 4 == 0 {
                return base.assumingMemoryBound(to: Float.self)
            }
            let values = try tensor.floats()
            let copy = UnsafeMutablePointer<Float>.allocate(capacity: max(1, values.count))
            copy.initialize(from: values, count: values.count)
            copies.append(copy)
            return UnsafePointer(copy)
        }
        func linear(_ name: String, rows: Int, columns: Int) throws(EmbeddingsError) -> Linear {
            let weight = try floats(name + ".weight", [rows, columns])
            let matrix = WeightMatrix(format: .f32, rows: rows, columns: columns, data: UnsafeRawPointer(weight))
            return Linear(weight: matrix, packed: PackedFloatMatrix(matrix), bias: try floats(name + ".bias", [rows]))
        }
        func norm(_ name: String) throws(EmbeddingsError) -> Norm {
            Norm(weight: try floats(name + ".weight", [h]), bias: try floats(name + ".bias", [h]))
        }
        do {
            wordEmbeddings = try floats("embeddings.word_embeddings.weight", [configuration.vocabularySize, h])
            positionEmbeddings = try floats("embeddings.position_embeddings.weight", [configuration.maxPositions, h])
            tokenTypeEmbeddings = try floats("embeddings.token_type_embeddings.weight", [configuration.tokenTypeCount, h])
            embeddingNorm = try norm("embeddings.LayerNorm")
            var layers: [Layer] = []
            for index in 0..<configuration.layerCount {
                let p = "encoder.layer.\(index)."
                layers.append(Layer(
                    query: try linear(p + "attention.self.query", rows: h, columns: h),
                    key: try linear(p + "attention.self.key", rows: h, columns: h),
                    value: try linear(p + "attention.self.value", rows: h, columns: h),
                    attentionOutput: try linear(p + "attention.output.dense", rows: h, columns: h),
                    attentionNorm: try norm(p + "attention.output.LayerNorm"),
                    intermediate: try linear(p + "intermediate.dense", rows: i, columns: h),
                    output: try linear(p + "output.dense", rows: h, columns: i),
                    outputNorm: try norm(p + "output.LayerNorm")))
            }
            self.layers = layers
        } catch {
            for copy in copies { copy.deallocate() }
            throw error
        }
        self.copies = copies
    }

    deinit {
        for copy in copies { copy.deallocate() }
    }
}
