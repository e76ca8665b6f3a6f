/// How an `InferenceEngine` is set up.
public struct EngineConfiguration: Sendable, Equatable {
    /// Tokens each sequence may hold (prompt + output). `nil` uses the model's training context.
    public var contextLength: Int?
    /// Sequences generated concurrently (continuous batching); more requests wait in FIFO order.
    /// `nil` chooses from the model and the machine (`AutomaticSlots`).
    public var maxConcurrentSequences: Int?
    /// Compute threads, the engine's own thread included. `nil` uses every core.
    public var threadCount: Int?
    /// Prompt tokens processed per step at most.
    public var prefillChunkTokens: Int
    /// Prompt tokens a step takes at most while other sequences are decoding, so that a long new
    /// prompt delays their next tokens by a small chunk's time (see `PromptChunking`).
    public var prefillChunkTokensWhileDecoding: Int
    /// A pool shared with other engines of this process, taken in turns step by step; nil
    /// gives the engine a pool of its own (`threadCount` threads).
    public var sharedCompute: SharedCompute?
    /// A Jinja chat template used instead of the file's `tokenizer.chat_template` (llama-server's
    /// `--chat-template-file`); it also decides the tool-call syntax.
    public var chatTemplate: String?
    /// Prompt-lookup speculative decoding: draft tokens one step verifies at most while a single
    /// sequence decodes (0: off; at most `maximumSpeculativeDraftTokens`). Outputs are identical
    /// either way; it is faster where the output repeats its context (see `SpeculativeDecoding`).
    /// Models with float (F32/BF16) matrices never speculate: their rows would not be exact.
    public var speculativeDraftTokens: Int

    /// The largest useful `speculativeDraftTokens`.
    public static var maximumSpeculativeDraftTokens: Int { SpeculativeDecoding.maximumDraftTokens }

    public init(contextLength: Int? = nil, maxConcurrentSequences: Int? = 8, threadCount: Int? = nil,
                prefillChunkTokens: Int = 256, prefillChunkTokensWhileDecoding: Int = 64,
                sharedCompute: SharedCompute? = nil, chatTemplate: String? = nil, speculativeDraftTokens: Int = 0) {
        self.contextLength = contextLength
        self.maxConcurrentSequences = maxConcurrentSequences
        self.threadCount = threadCount
        self.prefillChunkTokens = prefillChunkTokens
        self.prefillChunkTokensWhileDecoding = prefillChunkTokensWhileDecoding
        self.sharedCompute = sharedCompute
        self.chatTemplate = chatTemplate
        self.speculativeDraftTokens = speculativeDraftTokens
    }
}
