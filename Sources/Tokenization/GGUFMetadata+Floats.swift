import GGUF

extension GGUFMetadata {
    /// An array of numbers as `Float` (`tokenizer.ggml.scores`), throwing naming the key.
    func floatArray(_ key: String) throws(GGUFError) -> [Float] {
        guard let value = self[key] else { throw .missingKey(key) }
        guard let array = value.arrayValues else { throw .invalidMetadata(key: key, reason: "expected an array") }
        var floats: [Float] = []
        floats.reserveCapacity(array.count)
        for element in array {
            if case .float32(let number) = element {
                floats.append(number)
            } else if let number = element.doubleValue {
                floats.append(Float(number))
            } else {
                throw .invalidMetadata(key: key, reason: "expected an array of numbers")
            }
        }
        return floats
    }
}
