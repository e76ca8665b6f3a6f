/// Everything that can be wrong with a GGUF file, each case naming the problem.
public enum GGUFError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case badMagic(found: UInt32)
    case unsupportedVersion(UInt32)
    case truncated(reading: String, offset: Int)
    case unknownValueType(UInt32, key: String)
    case invalidMetadata(key: String, reason: String)
    case unknownTensorType(UInt32, tensor: String)
    case invalidTensor(name: String, reason: String)
    case tensorOutOfBounds(name: String, end: Int, fileSize: Int)
    case missingKey(String)
    case missingTensor(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open model file \(path): \(reason)"
        case .badMagic(let found):
            "not a GGUF file: bad magic 0x\(String(found, radix: 16)) (expected 0x46554747, \"GGUF\")"
        case .unsupportedVersion(let version): "unsupported GGUF version \(version) (supported: 2 and 3)"
        case .truncated(let what, let offset): "truncated GGUF file: ran out of data reading \(what) at byte \(offset)"
        case .unknownValueType(let type, let key): "unknown metadata value type \(type) for key '\(key)'"
        case .invalidMetadata(let key, let reason): "invalid metadata '\(key)': \(reason)"
        case .unknownTensorType(let type, let tensor): "unknown tensor type \(type) for tensor '\(tensor)'"
        case .invalidTensor(let name, let reason): "invalid tensor '\(name)': \(reason)"
        case .tensorOutOfBounds(let name, let end, let fileSize):
            "tensor '\(name)' ends at byte \(end), past the end of the file (\(fileSize) bytes): the file is truncated or corrupt"
        case .missingKey(let key): "the model file has no metadata key '\(key)'"
        case .missingTensor(let name): "the model file has no tensor '\(name)'"
        }
    }
}
