import Embeddings
import Foundation
import Kernels
import Testing
import TestSupport

/// The real all-MiniLM-L6-v2 (pulled by scripts/test.sh) against the independent reference:
/// token ids equal Hugging Face `tokenizers`' exactly, vectors within cosine 0.9999 of NumPy's.
@Suite(.serialized)
struct SentenceEmbedderTests {
    static let embedder = Result { try SentenceEmbedder(path: SharedFixtures.embeddingModelDirectory) }
    static let pool = ComputePool(threadCount: ProcessInfo.processInfo.activeProcessorCount)

    @Test func tokenizationEqualsHuggingFaceTokenizers() throws {
        let embedder = try Self.embedder.get()
        for entry in try ReferenceFixture.load().tokenized {
            let ids = [embedder.tokenizer.classifierID] + embedder.tokenizer.encode(entry.text) + [embedder.tokenizer.separatorID]
            #expect(ids == entry.ids, "\(entry.text.debugDescription)")
        }
    }

    @Test func embeddingsEqualTheNumPyReference() throws {
        let embedder = try Self.embedder.get()
        let fixture = try ReferenceFixture.load().embedded
        let sequences = fixture.map { embedder.sequence(for: $0.text) }
        for (sequence, entry) in zip(sequences, fixture) {
            #expect(sequence == entry.ids, "\(entry.text.prefix(40))")
        }
        let vectors = embedder.embed(sequences, pool: Self.pool)
        for (vector, entry) in zip(vectors, fixture) {
            let cosine = ReferenceFixture.cosine(vector, entry.embedding)
            #expect(cosine >= 0.9999, "\(entry.text.prefix(40)): cosine \(cosine)")
            let norm = vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-4)
        }
    }

    @Test func aBatchEqualsItsTextsOneByOne() throws {
        let embedder = try Self.embedder.get()
        let texts = ["A man is eating food.", "Ein Mann isst.", "x", String(repeating: "long text ", count: 40)]
        let together = embedder.embed(texts.map(embedder.sequence(for:)), pool: Self.pool)
        for (index, text) in texts.enumerated() {
            let alone = embedder.embed([embedder.sequence(for: text)], pool: Self.pool)[0]
            #expect(ReferenceFixture.cosine(alone, together[index]) > 0.999999)
        }
    }

    @Test func tokenIDsFramedOrNotGiveTheTextsSequence() throws {
        let embedder = try Self.embedder.get()
        let text = "The quick brown fox."
        let content = embedder.tokenizer.encode(text)
        let framed = embedder.sequence(for: text)
        #expect(try embedder.sequence(forTokenIDs: content) == framed)
        #expect(try embedder.sequence(forTokenIDs: framed) == framed)
        #expect(try embedder.sequence(forTokenIDs: []) == [embedder.tokenizer.classifierID, embedder.tokenizer.separatorID])
        #expect(throws: EmbeddingsError.self) { try embedder.sequence(forTokenIDs: [5, embedder.vocabularySize]) }
        #expect(throws: EmbeddingsError.self) { try embedder.sequence(forTokenIDs: [-1]) }
    }

    @Test func longInputsAreTruncatedToMaxSeqLength() throws {
        let embedder = try Self.embedder.get()
        #expect(embedder.maxSequenceLength == 256)
        let sequence = embedder.sequence(for: String(repeating: "word ", count: 1000))
        #expect(sequence.count == 256)
        #expect(sequence.last == embedder.tokenizer.separatorID)
        let ids = try embedder.sequence(forTokenIDs: [Int](repeating: 2773, count: 1000))
        #expect(ids.count == 256 && ids.first == embedder.tokenizer.classifierID && ids.last == embedder.tokenizer.separatorID)
    }

    @Test func smallBatchLimitsGiveTheSameVectors() throws {
        let embedder = try Self.embedder.get()
        let small = try SentenceEmbedder(path: SharedFixtures.embeddingModelDirectory, maxBatchTokens: 1)
        let texts = ["one", "two words", "three little words"]
        let a = embedder.embed(texts.map(embedder.sequence(for:)), pool: Self.pool)
        let b = small.embed(texts.map(small.sequence(for:)), pool: Self.pool)
        for (x, y) in zip(a, b) { #expect(ReferenceFixture.cosine(x, y) > 0.999999) }
    }
}
