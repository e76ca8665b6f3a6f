/// Everything that can go wrong loading or running a sentence-embedding model, each case
/// naming the file or input at fault.
public enum EmbeddingsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The safetensors file cannot be read, or its header or tensors are malformed.
    case badSafetensors(path: String, reason: String)
    /// A configuration file (config.json, tokenizer.json, modules.json...) is missing or malformed.
    case badConfiguration(file: String, reason: String)
    /// The model needs a tensor the file lacks, or has one of the wrong shape or type.
    case badTensor(name: String, reason: String)
    /// A request's input cannot be embedded (a token id outside the vocabulary, an empty sequence).
    case invalidInput(String)

    public var description: String {
        switch self {
        case .badSafetensors(let path, let reason): "invalid safetensors file \(path): \(reason)"
        case .badConfiguration(let file, let reason): "invalid model configuration \(file): \(reason)"
        case .badTensor(let name, let reason): "tensor '\(name)': \(reason)"
        case .invalidInput(let reason): reason
        }
    }
}
