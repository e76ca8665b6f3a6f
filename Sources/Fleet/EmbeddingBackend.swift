import Dispatch
public import Embeddings
public import Engine
import Foundation
import Kernels
public import OpenAIWire

/// A sentence-embedding model served in this process (all-MiniLM-L6-v2): it serves
/// `/v1/embeddings`, tokenizes for `/tokenize`, and refuses chat and text completions.
///
/// Requests run one at a time on a thread of their own (the forward pass is blocking work that
/// must not hold an event loop or the cooperative pool); each request's inputs go through the
/// encoder as one batch across the compute pool.
public final class EmbeddingBackend: ModelBackend {
    public let embedder: SentenceEmbedder
    public let descriptor: ModelDescriptor
    private let pool: ComputePool
    private let queue = DispatchQueue(label: "switchyard.embeddings")
    private let waiting = RequestCounter()

    /// Loads the model whose `model.safetensors` (or folder) is at `modelPath`.
    /// - Parameters:
    ///   - id: the id clients send as `model`; default the folder's name.
    ///   - threads: compute threads (default one per core).
    public init(modelPath: String, id: String? = nil, aliases: [String] = [], threads: Int? = nil) throws(EmbeddingsError) {
        embedder = try SentenceEmbedder(path: modelPath)
        pool = ComputePool(threadCount: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let folder = embedder.directory.lastPathComponent
        let created = (try? FileManager.default.attributesOfItem(atPath: modelPath)[.modificationDate] as? Date)
            .map { Int($0.timeIntervalSince1970) } ?? 0
        var descriptor = ModelDescriptor(
            id: id ?? folder, contextLength: embedder.maxSequenceLength, vocabularySize: embedder.vocabularySize,
            fingerprint: "fp_" + String(folder.lowercased().unicodeScalars.filter(\.properties.isAlphabetic).prefix(8).map(Character.init)),
            created: created, aliases: aliases + [folder])
        descriptor.kind = .embedding
        self.descriptor = descriptor
    }

    /// Whether `path` is an embedding model this backend loads (a `.safetensors` file, or a
    /// folder holding `model.safetensors`), rather than a GGUF file for the engine.
    public static func isEmbeddingModel(path: String) -> Bool {
        if path.lowercased().hasSuffix(".safetensors") { return true }
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            && FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("model.safetensors"))
    }

    /// Numbers in each vector (384 for all-MiniLM-L6-v2).
    public var dimensions: Int { embedder.dimensions }

    public var load: BackendLoad { BackendLoad(queued: waiting.value, active: 0) }

    /// The encoder's sequence for each input: texts tokenized, token ids checked against the
    /// vocabulary, both framed with `[CLS]`/`[SEP]` and cut to the model's max_seq_length.
    public func sequences(for inputs: [EmbeddingRequest.Input]) throws(FleetError) -> [[Int]] {
        var sequences: [[Int]] = []
        sequences.reserveCapacity(inputs.count)
        for (index, input) in inputs.enumerated() {
            switch input {
            case .text(let text):
                sequences.append(embedder.sequence(for: text))
            case .tokens(let ids):
                do {
                    sequences.append(try embedder.sequence(forTokenIDs: ids))
                } catch {
                    throw .invalidRequest(
                        message: "\(error.description) (in '\(inputs.count > 1 ? "input[\(index)]" : "input")')",
                        param: inputs.count > 1 ? "input[\(index)]" : "input", code: "invalid_value")
                }
            }
        }
        return sequences
    }

    /// One vector per sequence, computed off the caller's thread.
    public func embed(_ sequences: [[Int]]) async -> [[Float]] {
        waiting.add(1)
        defer { waiting.add(-1) }
        return await withCheckedContinuation { continuation in
            queue.async { [embedder, pool] in
                continuation.resume(returning: embedder.embed(sequences, pool: pool))
            }
        }
    }

    public func tokenize(_ text: String, addSpecialTokens: Bool) throws -> [Int] {
        let tokenizer = embedder.tokenizer
        let ids = tokenizer.encode(text)
        return addSpecialTokens ? [tokenizer.classifierID] + ids + [tokenizer.separatorID] : ids
    }

    public func detokenize(_ tokens: [Int]) throws -> String {
        embedder.tokenizer.decode(tokens)
    }

    public func renderChat(messages: JSONValue, tools: JSONValue?, addGenerationPrompt: Bool) throws -> String {
        throw Self.notAChatModel(descriptor.id)
    }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        AsyncThrowingStream { $0.finish(throwing: Self.notAChatModel(descriptor.id)) }
    }

    /// The 400 a completion request to an embedding model gets.
    public static func notAChatModel(_ id: String) -> FleetError {
        .invalidRequest(
            message: "The model '\(id)' is an embedding model: it serves /v1/embeddings, not chat or text completions.",
            param: "model", code: "unsupported_model")
    }

    /// The 400 an embeddings request to a generation model gets.
    public static func notAnEmbeddingModel(_ id: String) -> FleetError {
        .invalidRequest(
            message: "The model '\(id)' is not an embedding model: it serves /v1/chat/completions and /v1/completions, not /v1/embeddings.",
            param: "model", code: "unsupported_model")
    }
}

/// A counter readable from any thread.
private final class RequestCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var value: Int { lock.withLock { count } }

    func add(_ delta: Int) { lock.withLock { count += delta } }
}
