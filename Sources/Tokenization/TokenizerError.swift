/// Everything that can stop a tokenizer from loading, each case naming the problem.
public enum TokenizerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A required metadata key is missing or has the wrong type (the GGUF reader's message).
    case invalidMetadata(key: String, reason: String)
    /// The vocabulary (`tokenizer.ggml.tokens`) is absent or empty.
    case missingVocabulary
    /// `tokenizer.ggml.token_type` does not have one entry per token.
    case tokenTypeCountMismatch(tokens: Int, types: Int)
    /// `tokenizer.ggml.model` names a tokenizer other than byte-level BPE (`gpt2`).
    case unsupportedModel(String)
    /// `tokenizer.ggml.pre` names a pre-tokenizer this implementation does not have.
    case unsupportedPreTokenizer(String)
    /// A merge rule is not two pieces separated by a space.
    case badMerge(index: Int, rule: String)

    public var description: String {
        switch self {
        case .invalidMetadata(let key, let reason): "tokenizer metadata '\(key)': \(reason)"
        case .missingVocabulary: "the model file has no tokenizer vocabulary (tokenizer.ggml.tokens)"
        case .tokenTypeCountMismatch(let tokens, let types):
            "tokenizer.ggml.token_type has \(types) entries for \(tokens) tokens"
        case .unsupportedModel(let model):
            "unsupported tokenizer model '\(model)' (supported: 'gpt2', byte-level BPE)"
        case .unsupportedPreTokenizer(let name):
            "unsupported pre-tokenizer '\(name)' (supported: \(PreTokenizer.supportedNames.joined(separator: ", ")))"
        case .badMerge(let index, let rule): "merge rule \(index) '\(rule)' is not two pieces separated by a space"
        }
    }
}
