import GGUF

/// The shape of a llama-family model, read from GGUF metadata (`<arch>.*` keys), and the
/// variations of the block the engine implements: llama/mistral, and gemma3 (scaled
/// embeddings, per-head Q/K norms, NEOX RoPE with a per-layer base, interleaved sliding-window
/// layers, post-attention and post-FFN norms, GELU-gated FFN).
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
    /// Whether blocks carry Q/K norms and post-attention/post-FFN norms (gemma3).
    var hasGemmaNorms = false

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

    /// Architectures whose tensors and maths this engine implements (no biases, normal RoPE).
    static let supportedArchitectures: Set<String> = ["llama", "mistral", "gemma3"]

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
            attentionScale = 1 / Float(headDimension).squareRoot()
            ropeFrequencyBaseSliding = ropeFrequencyBase
            if architecture == "gemma3" {
                // llama.cpp's gemma3: NEOX RoPE, GELU, √n_embd embedding scale, 1/√key_length
                // query scale, sliding layers `il % 6 < 5` with their own RoPE base (default 10,000).
                ropeStyle = .neox
                activation = .geluTanh
                hasGemmaNorms = true
                embeddingScale = Float(embeddingLength).squareRoot()
                if let window = metadata[prefix + "attention.sliding_window"]?.intValue, window > 0 {
                    slidingWindow = window
                    slidingPatternPeriod = 6
                    ropeFrequencyBaseSliding = Float(metadata[prefix + "rope.freq_base_swa"]?.doubleValue ?? 10_000)
                }
            }
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
