import Foundation

/// The `POST /v1/embeddings` answer, OpenAI's `CreateEmbeddingResponse`: one `embedding` object
/// per input, in input order, and the prompt tokens read.
public struct EmbeddingList: Sendable {
    public var model: String
    public var vectors: [[Float]]
    public var encodingFormat: EmbeddingRequest.EncodingFormat
    public var promptTokens: Int

    public init(model: String, vectors: [[Float]], encodingFormat: EmbeddingRequest.EncodingFormat, promptTokens: Int) {
        self.model = model
        self.vectors = vectors
        self.encodingFormat = encodingFormat
        self.promptTokens = promptTokens
    }

    public var value: JSONValue {
        let data = vectors.enumerated().map { index, vector -> JSONValue in
            [
                "object": "embedding",
                "index": .int(index),
                "embedding": encodingFormat == .base64 ? .string(Self.base64(vector)) : .array(vector.map(Self.number)),
            ]
        }
        return [
            "object": "list",
            "data": .array(data),
            "model": .string(model),
            "usage": ["prompt_tokens": .int(promptTokens), "total_tokens": .int(promptTokens)],
        ]
    }

    /// The float as the Double with the Float's shortest digits, so the JSON carries
    /// `0.032911096` rather than the 17 digits of its exact double value.
    static func number(_ value: Float) -> JSONValue {
        .double(Double(value.description) ?? Double(value))
    }

    /// The vector's float32 values, little-endian, in base64 (as OpenAI sends them).
    static func base64(_ vector: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }
}
