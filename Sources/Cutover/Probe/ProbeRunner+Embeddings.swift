import Foundation
import OpenAIWire

/// The embeddings feature: two texts as floats, the same as base64 (which must decode to the
/// same numbers), and `usage.prompt_tokens`. The model is `--embedding-model`, else the one
/// `/v1/models` marks `"type": "embedding"`, else the feature is skipped with why.
extension ProbeRunner {
    static let embeddingTexts: [JSONValue] = ["The quick brown fox jumps over the lazy dog.", "Embeddings map text to vectors."]

    func probeEmbeddings() async throws(CutoverError) -> ProbeResult {
        let model: String
        switch try await embeddingModelToUse() {
        case .success(let name): model = name
        case .failure(let why): return ProbeResult(feature: .embeddings, status: .skipped, detail: why.reason)
        }
        let floats = try await post("/embeddings", ["input": .array(Self.embeddingTexts), "encoding_format": "float"], model: model)
        if let refusal = Self.refusal(.embeddings, floats, path: "POST /v1/embeddings") { return refusal }
        var problems: [String] = []
        let vectors = Self.vectors(floats.json, problems: &problems) { $0.arrayValue.map { $0.compactMap(\.doubleValue) } }
        let promptTokens = floats.json?["usage"]?["prompt_tokens"]?.intValue
        if promptTokens == nil { problems.append("no integer usage.prompt_tokens") }
        guard problems.isEmpty, let vectors else {
            return Self.verdict(.embeddings, floats, problems: problems) { (.broken, "model \(model)") }
        }
        let encoded = try await post("/embeddings", ["input": .array(Self.embeddingTexts), "encoding_format": "base64"], model: model)
        if let refusal = Self.refusal(.embeddings, encoded, path: "POST /v1/embeddings (base64)") { return refusal }
        var base64Problems: [String] = []
        var base64Ignored = false
        let decoded = Self.vectors(encoded.json, problems: &base64Problems) { value in
            if let array = value.arrayValue {
                base64Ignored = true
                return array.compactMap(\.doubleValue)
            }
            return value.stringValue.flatMap(Self.decodeBase64Floats)
        }
        let dimensions = vectors[0].count
        let summary = "model \(model): \(vectors.count) vectors of \(dimensions) floats, usage.prompt_tokens \(promptTokens ?? 0)"
        return Self.verdict(.embeddings, encoded, problems: base64Problems) {
            guard let decoded else { return (.broken, summary) }
            let difference = zip(vectors, decoded).map { pair in
                pair.0.count == pair.1.count ? zip(pair.0, pair.1).map { abs($0 - $1) }.max() ?? 0 : .infinity
            }.max() ?? 0
            if base64Ignored {
                return (.deviates, "\(summary); encoding_format base64 answered with floats (the SDKs accept both)")
            }
            // base64 carries float32; the float reply is the same numbers in decimal.
            return difference <= 1e-6
                ? (.supported, "\(summary); base64 decodes to the same numbers")
                : (.broken, "\(summary); base64 decodes to other numbers (largest difference \(difference))")
        }
    }

    /// The model to ask: the option, or the first one `/v1/models` marks as an embedding model.
    private func embeddingModelToUse() async throws(CutoverError) -> Result<String, EmbeddingModelUnknown> {
        if let embeddingModel { return .success(embeddingModel) }
        let models = try await client.send(endpoint, method: "GET", path: "/models", body: nil)
        guard models.status == 200, let data = models.json?["data"]?.arrayValue else {
            return .failure(EmbeddingModelUnknown(
                "no --embedding-model given and GET /v1/models answered \(models.status) without a model list"))
        }
        guard let marked = data.first(where: { $0["type"]?.stringValue == "embedding" })?["id"]?.stringValue else {
            return .failure(EmbeddingModelUnknown(
                "no --embedding-model given and /v1/models marks no model \"type\": \"embedding\" (\(data.count) models listed)"))
        }
        return .success(marked)
    }

    /// The `data[i].embedding` vectors, in index order, read by `read`; nil with problems noted
    /// when the list is not one equal-length vector per input.
    private static func vectors(
        _ json: JSONValue?, problems: inout [String], read: (JSONValue) -> [Double]?
    ) -> [[Double]]? {
        guard let json else {
            problems.append("body is not JSON")
            return nil
        }
        if json["object"]?.stringValue != "list" { problems.append("object is \(json["object"]?.jsonString ?? "missing"), not \"list\"") }
        guard let data = json["data"]?.arrayValue, data.count == embeddingTexts.count else {
            problems.append("data is not a list of \(embeddingTexts.count) embeddings")
            return nil
        }
        var vectors: [[Double]] = []
        for (position, item) in data.enumerated() {
            if item["index"]?.intValue != position { problems.append("data[\(position)].index is \(item["index"]?.jsonString ?? "missing")") }
            guard let embedding = item["embedding"], let vector = read(embedding), !vector.isEmpty else {
                problems.append("data[\(position)].embedding is not a vector of numbers")
                return nil
            }
            vectors.append(vector)
        }
        if Set(vectors.map(\.count)).count != 1 { problems.append("vectors of different lengths \(vectors.map(\.count))") }
        if vectors.contains(where: { $0.allSatisfy { $0 == 0 } }) { problems.append("an all-zero vector") }
        return problems.isEmpty ? vectors : nil
    }

    /// OpenAI's base64 encoding: little-endian float32s.
    static func decodeBase64Floats(_ text: String) -> [Double]? {
        guard let data = Data(base64Encoded: text), data.count % 4 == 0 else { return nil }
        let bytes = [UInt8](data)
        return stride(from: 0, to: bytes.count, by: 4).map { offset in
            let bits = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
            return Double(Float(bitPattern: bits))
        }
    }
}

/// Why the probe has no embedding model to ask for.
struct EmbeddingModelUnknown: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
