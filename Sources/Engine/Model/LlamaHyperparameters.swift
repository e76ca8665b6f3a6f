import GGUF

/// The shape of a llama-family model, read from GGUF metadata (`<arch>.*` keys), and the
/// variations of the block the engine implements, as data the forward pass reads (which
/// architecture sets which: `LlamaHyperparameters+Architectures.swift`).
struct LlamaHyperparameters: Sendable, Equatable {
    /// How RoPE pairs a head's elements: adjacent (`normal`, llama) or halves (`neox`, gemma).
    enum RopeStyle: Sendable, Equatable { case normal, neox }
    /// The feed-forward gate's activation.
    enum Activation: Sendable, Equatable { case silu, geluTanh }

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
    var ropeStyle: RopeStyle = .normal
    var activation: Activation = .silu
    /// Multiplies the token embeddings (gemma: √embeddingLength).
    var embeddingScale: Float?
    /// The query scale before attention (1/√headDimension unless the architecture says otherwise).
    var attentionScale: Float
    /// Tokens a sliding-window layer sees (itself included); nil when no layer slides.
    var slidingWindow: Int?
    /// Every `slidingPatternPeriod`-th layer (the last of each period) is global, the others slide.
    var slidingPatternPeriod = 1
    /// The RoPE base of the sliding layers.
    var ropeFrequencyBaseSliding: Float
    /// Whether blocks carry per-head RMSNorms of queries and keys before RoPE (qwen3, gemma3).
    var hasQueryKeyNorms = false
    /// Whether blocks norm the attention and feed-forward outputs before the residual (gemma3).
    var hasPostNorms = false
    /// Whether the queries are multiplied by `attentionScale` before attention (ggml_scale),
    /// which then runs with scale 1 (gemma3, phi3), rather than attention scaling the scores.
    var scalesQueries = false
    /// Whether `ffn_up` holds the gate (first half) and the up projection (second half) in
    /// one tensor, as ggml_swiglu splits it (phi3).
    var fusedGateUp = false
    /// Which tensors divide RoPE's angles per dimension pair.
    var ropeFactors: RopeFactorSource = .none
    /// Linear, YaRN or LongRoPE scaling of positions.
    var ropeScaling: RopeScaling

    /// Whether layer `index` attends only to the last `slidingWindow` positions.
    func isSliding(layer index: Int) -> Bool {
        slidingWindow != nil && index % slidingPatternPeriod < slidingPatternPeriod - 1
    }

    /// The RoPE base of layer `index`.
    func ropeBase(layer index: Int) -> Float {
        isSliding(layer: index) ? ropeFrequencyBaseSliding : ropeFrequencyBase
    }

    var kvDimension: Int { kvHeadCount * headDimension }
    /// Query heads sharing one key/value head (grouped-query attention).
    var queryGroupSize: Int { headCount / kvHeadCount }

    init(metadata: GGUFMetadata, vocabularySize: Int) throws(EngineError) {
        do {
            architecture = try metadata.string("general.architecture")
            guard Self.supportedArchitectures.contains(architecture) else {
                throw EngineError.unsupportedModel(
                    "architecture '\(architecture)' (supported: \(Self.supportedArchitectures.joined(separator: ", ")))")
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
            attentionScale = 1 / Float(headDimension).squareRoot()
            ropeFrequencyBaseSliding = ropeFrequencyBase
            ropeScaling = try RopeScaling(metadata: metadata, prefix: prefix, trainingContextLength: trainingContextLength)
            if let valueLength = metadata[prefix + "attention.value_length"]?.intValue, valueLength != headDimension {
                throw EngineError.unsupportedModel(
                    "\(architecture) with attention.value_length \(valueLength) ≠ key_length \(headDimension)")
            }
            try applyArchitecture(metadata: metadata, prefix: prefix)
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
