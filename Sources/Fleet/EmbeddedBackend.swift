public import Engine
import Foundation
public import Logging
public import OpenAIWire
import Tokenization

/// The embedded engine as a backend: one GGUF model served in this process.
public final class EmbeddedBackend: ModelBackend {
    public let engine: InferenceEngine
    public let descriptor: ModelDescriptor

    /// Loads the model at `modelPath`.
    /// - Parameters:
    ///   - id: the id clients send as `model`; default the file name without `.gguf`.
    ///   - aliases: other ids that reach this model.
    public init(
        modelPath: String, id: String? = nil, aliases: [String] = [], configuration: EngineConfiguration, logger: Logger
    ) throws {
        engine = try InferenceEngine(modelPath: modelPath, configuration: configuration, logger: logger)
        let info = engine.modelInfo
        let stem = URL(fileURLWithPath: modelPath).deletingPathExtension().lastPathComponent
        let attributes = try? FileManager.default.attributesOfItem(atPath: modelPath)
        let created = (attributes?[.modificationDate] as? Date).map { Int($0.timeIntervalSince1970) } ?? 0
        var descriptor = ModelDescriptor(
            id: id ?? stem, contextLength: info.contextLength, vocabularySize: info.vocabularySize,
            fingerprint: info.fingerprint, created: created, aliases: aliases + [stem],
            supportsToolCalls: true)
        descriptor.concurrency = .slots(engine.slotCount)
        self.descriptor = descriptor
    }

    public var load: BackendLoad { BackendLoad(queued: engine.queueDepth, active: engine.activeSequences) }

    public func tokenize(_ text: String, addSpecialTokens: Bool) throws -> [Int] {
        let tokenizer = engine.tokenizer
        let bos = addSpecialTokens && tokenizer.addsBOS ? tokenizer.bosTokenID.map { [$0] } ?? [] : []
        return bos + tokenizer.encode(text, parseSpecial: addSpecialTokens)
    }

    public func detokenize(_ tokens: [Int]) throws -> String {
        engine.tokenizer.decode(tokens)
    }

    public func renderChat(messages: JSONValue, tools: JSONValue?, addGenerationPrompt: Bool) throws -> String {
        try engine.renderChat(messages: messages, tools: tools, addGenerationPrompt: addGenerationPrompt)
    }

    public func renderChat(messages: JSONValue, tools: JSONValue?, addGenerationPrompt: Bool, templateArguments: JSONObject) throws -> String {
        try engine.renderChat(
            messages: messages, tools: tools, addGenerationPrompt: addGenerationPrompt, templateArguments: templateArguments)
    }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        engine.generate(request)
    }
}
