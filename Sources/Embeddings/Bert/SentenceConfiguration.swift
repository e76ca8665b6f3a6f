import Foundation

/// How sentence-transformers turns the encoder's token states into one vector, from the
/// model folder's `modules.json`, `sentence_bert_config.json` and pooling `config.json`.
public struct SentenceConfiguration: Sendable, Equatable {
    public enum Pooling: String, Sendable {
        /// The average of every token's state, `[CLS]` and `[SEP]` included.
        case mean
        /// The `[CLS]` token's state.
        case cls
    }

    public var pooling: Pooling
    /// Whether a `Normalize` module follows (unit-length vectors).
    public var normalize: Bool
    /// Tokens the model reads, `[CLS]` and `[SEP]` included; longer inputs are truncated.
    public var maxSequenceLength: Int

    public init(pooling: Pooling, normalize: Bool, maxSequenceLength: Int) {
        self.pooling = pooling
        self.normalize = normalize
        self.maxSequenceLength = maxSequenceLength
    }

    /// Reads the folder's sentence-transformers files; without `modules.json` the model is a
    /// plain BERT, pooled by mean without normalization (sentence-transformers' own default).
    public init(directory: URL, maxPositions: Int) throws(EmbeddingsError) {
        var pooling = Pooling.mean
        var normalize = false
        var maxLength = min(512, maxPositions)
        let modulesURL = directory.appendingPathComponent("modules.json")
        if FileManager.default.fileExists(atPath: modulesURL.path) {
            for module in try JSONFile.array(modulesURL) {
                let type = module["type"] as? String ?? ""
                let path = module["path"] as? String ?? ""
                if type.hasSuffix(".Normalize") {
                    normalize = true
                } else if type.hasSuffix(".Pooling") {
                    let url = directory.appendingPathComponent(path).appendingPathComponent("config.json")
                    pooling = try Self.pooling(url)
                } else if type.hasSuffix(".Transformer") {
                    continue
                } else {
                    throw EmbeddingsError.badConfiguration(
                        file: modulesURL.path, reason: "module '\(type)' is not supported (Transformer, Pooling, Normalize are)")
                }
            }
        }
        let sentenceURL = directory.appendingPathComponent("sentence_bert_config.json")
        if FileManager.default.fileExists(atPath: sentenceURL.path) {
            let object = try JSONFile.object(sentenceURL)
            if object["max_seq_length"] != nil {
                maxLength = min(try JSONFile.int(object, "max_seq_length", file: sentenceURL), maxPositions)
            }
        }
        guard maxLength >= 2 else {
            throw EmbeddingsError.badConfiguration(file: sentenceURL.path, reason: "max_seq_length must be at least 2")
        }
        self.init(pooling: pooling, normalize: normalize, maxSequenceLength: maxLength)
    }

    private static func pooling(_ url: URL) throws(EmbeddingsError) -> Pooling {
        let object = try JSONFile.object(url)
        let modes = ["pooling_mode_mean_tokens", "pooling_mode_cls_token", "pooling_mode_max_tokens",
                     "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"]
        let chosen = modes.filter { object[$0] as? Bool == true }
        switch chosen {
        case ["pooling_mode_mean_tokens"]: return .mean
        case ["pooling_mode_cls_token"]: return .cls
        default:
            throw EmbeddingsError.badConfiguration(
                file: url.path, reason: "pooling \(chosen) is not supported (exactly one of mean or cls tokens)")
        }
    }
}
