/// Tool-call ids in OpenAI's shape: `call_` and 24 random letters and digits.
enum ToolCallID {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    @Sendable static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return "call_" + String((0..<24).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}
