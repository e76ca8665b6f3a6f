/// A token's type, as GGUF's `tokenizer.ggml.token_type` stores it (llama.cpp's `llama_token_type`).
enum TokenKind: UInt8, Sendable {
    case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6

    init(gguf value: Int) { self = TokenKind(rawValue: UInt8(clamping: max(value, 0))) ?? .undefined }

    /// Matched whole in the input before pre-tokenization (llama.cpp's special-token cache).
    var isSpecial: Bool { self == .control || self == .userDefined || self == .unknown }
}
