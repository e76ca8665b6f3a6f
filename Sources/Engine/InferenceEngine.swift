import ConstrainedDecoding
import Crypto
import Foundation
import GGUF
import Kernels
import Logging
import OpenAIWire
import Tokenization

/// The embedded engine: one GGUF model loaded for generation, shared by any number of
/// concurrent requests (continuous batching on a dedicated thread).
///
/// ```swift
/// let engine = try InferenceEngine(modelPath: path)
/// for try await event in engine.generate(GenerationRequest(promptTokens: ids, maxTokens: 64)) { ... }
/// ```
public final class InferenceEngine: Sendable {
    public let modelInfo: ModelInfo
    public let tokenizer: Tokenizer
    public let configuration: EngineConfiguration
    /// Compute threads in use, the engine thread included.
    public let threadCount: Int
    /// Sequences generated at once (the configured count, or `AutomaticSlots`' choice).
    public let slotCount: Int
    private let scheduler: Scheduler
    private let chatRenderer: ChatRenderer
    private let constraintCompiler: ConstraintCompiler
    private let logger: Logger

    /// Loads the model at `modelPath` (memory-mapped) and starts the engine thread.
    /// - Throws: `EngineError` naming what is wrong with the file or unsupported in it.
    public init(modelPath: String, configuration: EngineConfiguration = EngineConfiguration(),
                logger: Logger = Logger(label: "switchyard.engine")) throws(EngineError) {
        self.configuration = configuration
        self.logger = logger
        let file: GGUFFile
        do {
            file = try GGUFFile(path: modelPath)
        } catch {
            throw .invalidModel(error.description)
        }
        do {
            tokenizer = try Tokenizer(gguf: file)
        } catch {
            throw .invalidModel("tokenizer: \(error)")
        }
        constraintCompiler = ConstraintCompiler(tokenizer: tokenizer)
        chatRenderer = try ChatRenderer(
            templateSource: configuration.chatTemplate ?? file.metadata["tokenizer.chat_template"]?.stringValue,
            tokenizer: tokenizer)
        let hyperparameters = try LlamaHyperparameters(metadata: file.metadata, vocabularySize: tokenizer.vocabularySize)
        // Hashing reads the whole file (on its first load; ModelFileDigest remembers it): before
        // the weights load drops the pages it no longer needs.
        let fileHash = ModelFileDigest.sha256(path: modelPath, bytes: UnsafeRawBufferPointer(file.file.bytes))
        // The metadata (a 262k-token vocabulary is megabytes of it) has been read into the tokenizer.
        ResidentPages.release(UnsafeRawBufferPointer(rebasing: file.file.bytes[0..<min(file.dataOffset, file.file.bytes.count)]))
        let weights = try LlamaWeights(file: file, hyperparameters: hyperparameters)

        let contextLength = min(configuration.contextLength ?? hyperparameters.trainingContextLength,
                                hyperparameters.trainingContextLength)
        guard contextLength > 0 else { throw .invalidRequest("context length must be positive") }
        let slotCount = AutomaticSlots.count(file: file, hyperparameters: hyperparameters, configuration: configuration)
        self.slotCount = slotCount
        let threads = configuration.sharedCompute?.threadCount
            ?? max(1, configuration.threadCount ?? ProcessInfo.processInfo.activeProcessorCount)
        threadCount = threads
        let prefillChunk = max(1, configuration.prefillChunkTokens)
        let resolved = Scheduler.ResolvedConfiguration(
            contextLength: contextLength, slotCount: slotCount, prefillChunkTokens: prefillChunk,
            prefillChunkTokensWhileDecoding: max(1, configuration.prefillChunkTokensWhileDecoding),
            maxLogitRows: slotCount + 64, speculativeDraftTokens: configuration.speculativeDraftTokens)
        let maxBatchTokens = prefillChunk + slotCount
        let cache = try KVCache(
            slotCount: slotCount, layerCount: hyperparameters.blockCount, capacity: contextLength,
            kvDimension: hyperparameters.kvDimension, slidingWindows: Self.slidingWindows(hyperparameters),
            ringLength: Self.slidingRingLength(window: hyperparameters.slidingWindow, chunk: prefillChunk))
        let model = LlamaModel(weights: weights, hyperparameters: hyperparameters, cache: cache,
                               pool: configuration.sharedCompute?.pool ?? ComputePool(threadCount: threads),
                               maxBatchTokens: maxBatchTokens,
                               maxLogitRows: resolved.maxLogitRows)
        scheduler = Scheduler(model: model, tokenizer: tokenizer, configuration: resolved,
                              sharedCompute: configuration.sharedCompute)

        let fingerprint = SHA256.hash(data: Data((fileHash + EngineVersion.current).utf8)).hexString.prefix(10)
        modelInfo = ModelInfo(
            name: file.metadata["general.name"]?.stringValue
                ?? URL(fileURLWithPath: modelPath).deletingPathExtension().lastPathComponent,
            architecture: hyperparameters.architecture, path: modelPath, contextLength: contextLength,
            trainingContextLength: hyperparameters.trainingContextLength,
            vocabularySize: hyperparameters.vocabularySize, fileSHA256: fileHash, fingerprint: "fp_\(fingerprint)")
        scheduler.start()
        logger.info("model loaded", metadata: [
            "model.name": "\(modelInfo.name)", "model.context": "\(contextLength)", "engine.threads": "\(threads)",
            "engine.slots": "\(slotCount)",
        ])
    }

    deinit {
        scheduler.stop()
    }

    /// Per layer, the window of a sliding layer (nil: full attention).
    static func slidingWindows(_ hyperparameters: LlamaHyperparameters) -> [Int?] {
        (0..<hyperparameters.blockCount).map { hyperparameters.isSliding(layer: $0) ? hyperparameters.slidingWindow : nil }
    }

    /// Bytes one slot's keys and values take at its full context under `configuration`.
    static func cacheBytesPerSlot(_ hyperparameters: LlamaHyperparameters, configuration: EngineConfiguration) -> Int {
        let contextLength = min(configuration.contextLength ?? hyperparameters.trainingContextLength,
                                hyperparameters.trainingContextLength)
        return KVCache.bytesPerSlot(
            layerCount: hyperparameters.blockCount, capacity: contextLength, kvDimension: hyperparameters.kvDimension,
            slidingWindows: slidingWindows(hyperparameters),
            ringLength: slidingRingLength(window: hyperparameters.slidingWindow, chunk: max(1, configuration.prefillChunkTokens)))
    }

    /// Rows of a sliding-window layer's ring: llama.cpp's SWA cell count for a ubatch of our
    /// prefill chunk (`window + chunk`, padded to 256), so positions sit where its cells put them.
    static func slidingRingLength(window: Int?, chunk: Int) -> Int {
        guard let window else { return 0 }
        return (window + chunk + 255) / 256 * 256
    }

    /// Starts generating. The stream yields `GenerationEvent`s and ends after `finished`, or
    /// throws `EngineError`. Dropping or cancelling the consumer stops the sequence within one step.
    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        do {
            try validate(request)
            var request = request
            if case .toolCalls(var tools) = request.constraint, tools.format == nil {
                tools.format = toolCallFormat
                request.constraint = .toolCalls(tools)
            }
            let matcher = try request.constraint.map { constraint throws(EngineError) in
                try constraintCompiler.matcher(for: constraint)
            }
            return scheduler.submit(request, matcher: matcher)
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
    }

    /// Checks a request against the model before it queues.
    public func validate(_ request: GenerationRequest) throws(EngineError) {
        let vocabularySize = modelInfo.vocabularySize
        guard !request.promptTokens.isEmpty else { throw .invalidRequest("the prompt is empty") }
        if let bad = request.promptTokens.first(where: { $0 < 0 || $0 >= vocabularySize }) {
            throw .invalidRequest("token id \(bad) is outside the vocabulary (0..<\(vocabularySize))")
        }
        if let bad = request.sampling.logitBias.keys.first(where: { $0 < 0 || $0 >= vocabularySize }) {
            throw .invalidRequest("logit_bias token id \(bad) is outside the vocabulary (0..<\(vocabularySize))")
        }
        guard request.maxTokens >= 0 else { throw .invalidRequest("max tokens must not be negative") }
        let total = request.promptTokens.count + request.maxTokens
        if total > modelInfo.contextLength {
            throw .contextLengthExceeded(promptTokens: request.promptTokens.count, requestedTokens: request.maxTokens,
                                         contextLength: modelInfo.contextLength)
        }
    }

    /// Renders OpenAI-shaped `messages` (and `tools`, where the template supports them) with
    /// the model's own chat template; `templateArguments` are further template variables
    /// (`chat_template_kwargs`, e.g. Qwen3's `enable_thinking`).
    public func renderChat(messages: JSONValue, tools: JSONValue? = nil, addGenerationPrompt: Bool = true,
                           templateArguments: JSONObject = JSONObject()) throws(EngineError) -> String
    {
        try chatRenderer.render(
            messages: messages, tools: tools, addGenerationPrompt: addGenerationPrompt, templateArguments: templateArguments)
    }

    /// How this model writes tool calls, as its chat template teaches it (Hermes `<tool_call>`
    /// for Qwen and templates without a syntax of their own, bare JSON for Llama 3.x); requests
    /// whose tool constraint names no format get this one.
    public var toolCallFormat: ToolCallFormat { chatRenderer.toolCallFormat }

    /// Renders and tokenizes a chat in one go (special tokens in the template are parsed).
    public func chatPromptTokens(messages: JSONValue, tools: JSONValue? = nil, addGenerationPrompt: Bool = true)
        throws(EngineError) -> [Int]
    {
        let text = try renderChat(messages: messages, tools: tools, addGenerationPrompt: addGenerationPrompt)
        return (tokenizer.addsBOS ? tokenizer.bosTokenID.map { [$0] } ?? [] : []) + tokenizer.encode(text, parseSpecial: true)
    }

    /// Requests waiting for a free sequence slot.
    public var queueDepth: Int { scheduler.queueDepth }
    /// Sequences currently generating.
    public var activeSequences: Int { scheduler.activeSequences }
    /// What speculative decoding did so far (all zero when it is off).
    public var speculationStatistics: SpeculationStatistics { scheduler.speculation.statistics }
    /// Draft tokens a speculative step verifies at most: the configured count, or 0 where
    /// speculation is off or the model's matrices are not block-quantized.
    public var speculativeDraftTokens: Int { scheduler.speculation.draftTokens }

    /// Fails every queued and running request and stops the engine thread.
    public func shutdown() {
        scheduler.stop()
    }
}

extension Digest {
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
