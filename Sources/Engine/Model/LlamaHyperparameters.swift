import GGUF

/// The shape of a llama-family model, read from GGUF metadata (`<arch>.*` keys).
struct LlamaHyperparameters: Sendable, Equatable {
    var architecture: String
    var embeddingLength: Int
    var blockCount: Int
    var feedForwardLength: Int
    var headCount: Int
    var kvHeadCount: Int
    var headDimension: Int
    var ropeDimension: Int
    var ropeFrequencyBase: Float
    var rmsEpsilon: Float
    var trainingContextLength: Int
    var vocabularySize: Int

    var kvDimension: Int { kvHeadCount * headDimension }
    /// Query heads sharing one key/value head (grouped-query attention).
    var queryGroupSize: Int { headCount / kvHeadCount }

    /// Architectures whose tensors and maths this engine implements (no biases, normal RoPE).
    static let supportedArchitectures: Set<String> = ["llama", "mistral"]

    init(metadata: GGUFMetadata, vocabularySize: Int) throws(EngineError) {
        do {
            architecture = try metadata.string("general.architecture")
            guard Self.supportedArchitectures.contains(architecture) else {
                throw EngineError.unsupportedModel(
                    "architecture '\(architecture)' (supported: \(Self.supportedArchitectures.sorted().joined(separator: ", ")))")
            }
            let prefix = architecture + "."
            embeddingLength = try metadata.int(prefix + "embedding_length")
            blockCount = try metadata.int(prefix + "block_count")
            feedForwardLength = try metadata.int(prefix + "feed_forward_length")
            headCount = try metadata.int(prefix + "attention.head_count")
            kvHeadCount = metadata[prefix + "attention.head_count_kv"]?.intValue ?? headCount
            headDimension = metadata[prefix + "attention.key_length"]?.intValue ?? (embeddingLength / max(headCount, 1))
            ropeDimension = metadata[prefix + "rope.dimension_count"]?.intValue ?? headDimension
            ropeFrequencyBase = Float(metadata[prefix + "rope.freq_base"]?.doubleValue ?? 10_000)
            rmsEpsilon = Float(try metadata.double(prefix + "attention.layer_norm_rms_epsilon"))
            trainingContextLength = try metadata.int(prefix + "context_length")
            self.vocabularySize = vocabularySize
        } catch let error as GGUFError {
            throw .invalidModel(error.description)
        } catch let error as EngineError {
            throw error
        } catch {
            throw .invalidModel("\(error)")
        }
        try validate()
    }

    private func validate() throws(EngineError) {
        func require(_ condition: Bool, _ message: String) throws(EngineError) {
            if !condition { throw .invalidModel(message) }
        }
        try require(embeddingLength > 0 && blockCount > 0 && feedForwardLength > 0, "non-positive model dimensions")
        try require(headCount > 0 && kvHeadCount > 0 && headCount % kvHeadCount == 0,
                    "head count \(headCount) is not a multiple of the key/value head count \(kvHeadCount)")
        try require(headDimension > 0 && headDimension % 2 == 0, "head dimension \(headDimension) must be even")
        try require(ropeDimension <= headDimension && ropeDimension % 2 == 0, "rope dimension \(ropeDimension)")
        try require(trainingContextLength > 0, "context length \(trainingContextLength)")
        try require(vocabularySize > 0, "empty vocabulary")
    }
}
