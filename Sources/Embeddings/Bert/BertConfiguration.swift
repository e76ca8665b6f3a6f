import Foundation

/// The shape of a BERT encoder, from Hugging Face's `config.json`.
public struct BertConfiguration: Sendable, Equatable {
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var tokenTypeCount: Int
    public var layerNormEpsilon: Float

    public var headSize: Int { hiddenSize / headCount }

    public init(
        vocabularySize: Int, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int, maxPositions: Int,
        tokenTypeCount: Int, layerNormEpsilon: Float
    ) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.tokenTypeCount = tokenTypeCount
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// Reads `config.json`; refuses what this encoder does not compute (another activation,
    /// relative position embeddings, a model type other than BERT).
    public init(contentsOf url: URL) throws(EmbeddingsError) {
        let object = try JSONFile.object(url)
        func bad(_ reason: String) -> EmbeddingsError { .badConfiguration(file: url.path, reason: reason) }
        if let type = object["model_type"] as? String, type != "bert" {
            throw bad("model_type '\(type)' is not supported (only 'bert')")
        }
        if let activation = object["hidden_act"] as? String, activation != "gelu" {
            throw bad("hidden_act '\(activation)' is not supported (only 'gelu', the erf form)")
        }
        if let positions = object["position_embedding_type"] as? String, positions != "absolute" {
            throw bad("position_embedding_type '\(positions)' is not supported (only 'absolute')")
        }
        vocabularySize = try JSONFile.int(object, "vocab_size", file: url)
        hiddenSize = try JSONFile.int(object, "hidden_size", file: url)
        layerCount = try JSONFile.int(object, "num_hidden_layers", file: url)
        headCount = try JSONFile.int(object, "num_attention_heads", file: url)
        intermediateSize = try JSONFile.int(object, "intermediate_size", file: url)
        maxPositions = try JSONFile.int(object, "max_position_embeddings", file: url)
        tokenTypeCount = (object["type_vocab_size"] as? NSNumber)?.intValue ?? 2
        layerNormEpsilon = (object["layer_norm_eps"] as? NSNumber)?.floatValue ?? 1e-12
        guard hiddenSize % headCount == 0 else {
            throw bad("hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(headCount)")
        }
        guard tokenTypeCount >= 1 else { throw bad("type_vocab_size must be at least 1") }
    }
}
