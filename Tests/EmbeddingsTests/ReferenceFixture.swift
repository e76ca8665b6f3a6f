import Foundation
import TestSupport

/// reference.json: ids from Hugging Face `tokenizers` and embeddings from the NumPy reference
/// (Tests/Live/embedding_reference.py), written by Fixtures/make_reference.py.
struct ReferenceFixture: Decodable {
    struct Tokenized: Decodable {
        let text: String
        let ids: [Int]
    }

    struct Embedded: Decodable {
        let text: String
        let ids: [Int]
        let embedding: [Float]
    }

    let tokenized: [Tokenized]
    let embedded: [Embedded]

    static func load() throws -> ReferenceFixture {
        let url = SharedFixtures.packageRoot.appendingPathComponent("Tests/EmbeddingsTests/Fixtures/reference.json")
        return try JSONDecoder().decode(ReferenceFixture.self, from: Data(contentsOf: url))
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            na += Double(x) * Double(x)
            nb += Double(y) * Double(y)
        }
        return dot / (na.squareRoot() * nb.squareRoot())
    }
}
