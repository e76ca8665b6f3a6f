import Foundation
import Kernels

/// A sentence-transformers model (a BERT encoder, pooling, optional normalization) loaded from
/// its folder: `model.safetensors`, `config.json`, `tokenizer.json` and the sentence-transformers
/// files. Texts become token sequences with `sequence(for:)`, sequences become vectors with `embed`.
public final class SentenceEmbedder: Sendable {
    public let directory: URL
    public let tokenizer: WordPieceTokenizer
    public let encoder: BertEncoder
    public let sentence: SentenceConfiguration
    /// Tokens of one forward pass at most; longer batches run in several (bounds memory:
    /// about 8 KiB of activations per token for MiniLM).
    public let maxBatchTokens: Int

    /// Loads the model in `path`: its folder, or a file inside it (`model.safetensors`).
    public init(path: String, maxBatchTokens: Int = 8192) throws(EmbeddingsError) {
        var url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            url.deleteLastPathComponent()
        }
        directory = url
        let configuration = try BertConfiguration(contentsOf: url.appendingPathComponent("config.json"))
        tokenizer = try WordPieceTokenizer(contentsOf: url.appendingPathComponent("tokenizer.json"))
        guard tokenizer.vocabularySize <= configuration.vocabularySize else {
            throw .badConfiguration(
                file: url.appendingPathComponent("tokenizer.json").path,
                reason: "has \(tokenizer.vocabularySize) tokens, more than the model's vocab_size \(configuration.vocabularySize)")
        }
        sentence = try SentenceConfiguration(directory: url, maxPositions: configuration.maxPositions)
        let file = try SafetensorsFile(path: url.appendingPathComponent("model.safetensors").path)
        encoder = BertEncoder(weights: try BertWeights(file: file, configuration: configuration))
        self.maxBatchTokens = max(maxBatchTokens, sentence.maxSequenceLength)
    }

    /// Length of the vectors `embed` returns.
    public var dimensions: Int { encoder.configuration.hiddenSize }
    /// Token ids an input may use (`0..<vocabularySize`).
    public var vocabularySize: Int { encoder.configuration.vocabularySize }
    public var maxSequenceLength: Int { sentence.maxSequenceLength }

    /// The sequence the model reads for `text`: `[CLS]`, its tokens cut to fit, `[SEP]`.
    public func sequence(for text: String) -> [Int] {
        tokenizer.sequence(content: tokenizer.encode(text), maxLength: maxSequenceLength)
    }

    /// The sequence for token ids a client sent: ids already framed as `[CLS] … [SEP]` (as
    /// `tokenizers` returns them) are used as they are, others are framed; either way cut to
    /// `maxSequenceLength`, keeping the final `[SEP]`.
    /// - Throws: `invalidInput` for an id outside the vocabulary.
    public func sequence(forTokenIDs ids: [Int]) throws(EmbeddingsError) -> [Int] {
        if let bad = ids.first(where: { $0 < 0 || $0 >= vocabularySize }) {
            throw .invalidInput("Token id \(bad) is outside the model's vocabulary of \(vocabularySize) tokens.")
        }
        var content = ArraySlice(ids)
        if ids.count >= 2, ids.first == tokenizer.classifierID, ids.last == tokenizer.separatorID {
            content = content.dropFirst().dropLast()
        }
        return tokenizer.sequence(content: Array(content), maxLength: maxSequenceLength)
    }

    /// One vector per sequence (pooled and, where the model says so, unit length). Blocking:
    /// run it off the event loops. Sequences must come from `sequence(for:)`/`sequence(forTokenIDs:)`.
    public func embed(_ sequences: [[Int]], pool: ComputePool) -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(sequences.count)
        var batch: [[Int]] = []
        var batchTokens = 0
        for sequence in sequences {
            if batchTokens + sequence.count > maxBatchTokens, !batch.isEmpty {
                vectors += embedBatch(batch, pool: pool)
                batch.removeAll(keepingCapacity: true)
                batchTokens = 0
            }
            batch.append(sequence)
            batchTokens += sequence.count
        }
        if !batch.isEmpty { vectors += embedBatch(batch, pool: pool) }
        return vectors
    }

    private func embedBatch(_ sequences: [[Int]], pool: ComputePool) -> [[Float]] {
        let h = dimensions
        let states = encoder.hiddenStates(sequences, pool: pool)
        var vectors: [[Float]] = []
        var start = 0
        for sequence in sequences {
            var vector = [Float](repeating: 0, count: h)
            switch sentence.pooling {
            case .cls:
                for c in 0..<h { vector[c] = states[start * h + c] }
            case .mean:
                for t in start..<(start + sequence.count) {
                    for c in 0..<h { vector[c] += states[t * h + c] }
                }
                let scale = 1 / Float(max(1, sequence.count))
                for c in 0..<h { vector[c] *= scale }
            }
            if sentence.normalize {
                var squares: Float = 0
                for value in vector { squares += value * value }
                // sentence-transformers' Normalize divides by max(norm, 1e-12).
                let scale = 1 / max(squares.squareRoot(), 1e-12)
                for c in 0..<h { vector[c] *= scale }
            }
            vectors.append(vector)
            start += sequence.count
        }
        return vectors
    }
}
