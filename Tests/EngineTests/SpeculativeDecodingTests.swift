import Engine
import Foundation
import OpenAIWire
import Testing
import TestSupport
import Tokenization

/// Prompt-lookup speculative decoding changes how many positions a forward pass computes, never
/// the output: through the public API, an engine that speculates gives plain decoding's tokens,
/// log-probabilities (bit for bit), texts and finish reasons, greedy and seeded sampling alike.
@Suite(.serialized) struct SpeculativeDecodingTests {
    /// A plain and a speculating engine of one model on one pool, fed the same requests in the same
    /// order, so their cached prefixes evolve alike (reuse after speculation is exercised too).
    struct Pair {
        let plain: InferenceEngine
        let speculative: InferenceEngine

        init(modelPath: String, contextLength: Int = 2048) throws {
            let pool = SharedCompute()
            plain = try InferenceEngine(modelPath: modelPath, configuration: EngineConfiguration(
                contextLength: contextLength, maxConcurrentSequences: 1, sharedCompute: pool))
            speculative = try InferenceEngine(modelPath: modelPath, configuration: EngineConfiguration(
                contextLength: contextLength, maxConcurrentSequences: 1, sharedCompute: pool,
                speculativeDraftTokens: EngineConfiguration.maximumSpeculativeDraftTokens))
        }

        func prompt(_ text: String) throws -> [Int] {
            try plain.chatPromptTokens(messages: [["role": "user", "content": .string(text)]])
        }

        /// Runs `request` on both engines and expects the same outcome.
        @discardableResult
        func expectSame(_ request: GenerationRequest, _ label: String) async throws -> SharedEngine.Outcome {
            let base = try await SharedEngine.collect(request, on: plain)
            let fast = try await SharedEngine.collect(request, on: speculative)
            #expect(fast.ids == base.ids, "\(label): tokens differ")
            #expect(fast.logprobs == base.logprobs, "\(label): log-probabilities differ")
            #expect(fast.text == base.text, "\(label): text differs")
            #expect(fast.reason == base.reason, "\(label): finish reason differs")
            #expect(fast.usage == base.usage, "\(label): usage differs")
            return base
        }
    }

    static let smol: Result<Pair, any Error> = Result { try Pair(modelPath: SharedFixtures.modelPath) }

    /// Prompts where drafts hit (the benchmark's code edit and quoting answer, a list to repeat, a
    /// raw periodic sequence) and where they rarely do.
    static func prompts(_ pair: Pair) throws -> [(String, [Int])] {
        let lines = (1...12).map { "\($0). item number \($0) costs \($0 * 3) dollars" }.joined(separator: "\n")
        let periodic = Array(repeating: pair.plain.tokenizer.encode("red green blue yellow, "), count: 6).flatMap { $0 }
        return try SpeculativeDecodeBenchmark.workloads.map { ($0.name, try pair.prompt($0.prompt)) } + [
            ("repeat a list", try pair.prompt("Repeat this list exactly:\n\(lines)")),
            ("periodic", periodic),
        ]
    }

    @Test func greedyOutputIsPlainDecodingsBitForBit() async throws {
        let pair = try Self.smol.get()
        let before = pair.speculative.speculationStatistics
        for (label, tokens) in try Self.prompts(pair) {
            try await pair.expectSame(GenerationRequest(
                promptTokens: tokens, sampling: .greedy, maxTokens: 160, logprobs: 2), label)
        }
        let after = pair.speculative.speculationStatistics
        // The comparison means something only if drafts were verified and accepted.
        #expect(after.steps - before.steps > 20)
        #expect(after.acceptedTokens - before.acceptedTokens > 100)
        #expect(pair.plain.speculationStatistics.steps == 0)
    }

    @Test func seededSamplingDrawsPlainDecodingsTokens() async throws {
        let pair = try Self.smol.get()
        let before = pair.speculative.speculationStatistics
        let sampling = [
            SamplingParameters(temperature: 0.8, topP: 0.95, seed: 11),
            SamplingParameters(temperature: 0.6, topK: 20, minP: 0.05, repetitionPenalty: 1.1, presencePenalty: 0.2,
                               frequencyPenalty: 0.1, seed: 12),
        ]
        for (label, tokens) in try Self.prompts(pair).prefix(4) {
            for parameters in sampling {
                try await pair.expectSame(GenerationRequest(
                    promptTokens: tokens, sampling: parameters, maxTokens: 120, logprobs: 0), "\(label) T \(parameters.temperature)")
            }
        }
        #expect(pair.speculative.speculationStatistics.acceptedTokens - before.acceptedTokens > 50)
    }

    /// Everything decided per token: stop strings, a max_tokens cut inside a draft, min_tokens with
    /// stop tokens held back, a JSON schema, and the follow-up turn that reuses the cached prefix.
    @Test func perTokenRulesHoldInsideDrafts() async throws {
        let pair = try Self.smol.get()
        let prompts = try Self.prompts(pair)
        let code = prompts[0].1, quoting = prompts[1].1
        let free = try await pair.expectSame(GenerationRequest(promptTokens: code, sampling: .greedy, maxTokens: 120), "code")
        // A stop string from the middle of the copied code.
        let characters = Array(free.text)
        try #require(characters.count > 80)
        let stop = String(characters[60..<66])
        let stopped = try await pair.expectSame(GenerationRequest(
            promptTokens: code, sampling: .greedy, maxTokens: 120, stopSequences: [stop]), "stop string")
        #expect(stopped.reason == .stop)
        for limit in [1, 2, 37, 61] {
            try await pair.expectSame(GenerationRequest(promptTokens: code, sampling: .greedy, maxTokens: limit), "max \(limit)")
        }
        let endToken = try #require(pair.plain.tokenizer.eosTokenID)
        try await pair.expectSame(GenerationRequest(
            promptTokens: quoting, sampling: .greedy, maxTokens: 150, minTokens: 90, stopTokenIDs: [endToken]), "min_tokens")
        let schema: JSONValue = [
            "type": "object", "required": ["opened", "arch"],
            "properties": ["opened": ["type": "string"], "arch": ["type": "string"]],
        ]
        try await pair.expectSame(GenerationRequest(
            promptTokens: quoting, sampling: .greedy, maxTokens: 80, logprobs: 1,
            constraint: .jsonSchema(schema, strict: true)), "json schema")
        // The next turn: its prompt starts with the previous one's prompt and output.
        let turn = code + free.ids + (pair.plain.tokenizer.encode("\nNow add a docstring to read_orders."))
        try await pair.expectSame(GenerationRequest(promptTokens: turn, sampling: .greedy, maxTokens: 100), "next turn")
    }

    /// Gemma 3's sliding layers keep a ring of rows: a verification pass writes past the window's
    /// end, and rejected rows must never reach a later step. A prompt past the 512-token window,
    /// then a follow-up that reuses the slot.
    @Test func gemma3SlidingWindowStaysExact() async throws {
        guard SharedFixtures.gemma3Available else {
            print("gemma3-270m not pulled: skipped")
            return
        }
        let pair = try Pair(modelPath: SharedFixtures.gemma3ModelPath)
        let paragraph = """
            The relay station logs every train that passes: its number, its time, its track and the \
            signal it saw. Operators copy the log into the weekly report without changing a word.
            """
        let document = (1...14).map { "Entry \($0): \(paragraph)" }.joined(separator: "\n")
        let tokens = try pair.prompt("Copy the last three entries of this log exactly.\n\n\(document)")
        #expect(tokens.count > 560)
        let first = try await pair.expectSame(GenerationRequest(
            promptTokens: tokens, sampling: .greedy, maxTokens: 120, logprobs: 1), "gemma3 log")
        let turn = tokens + first.ids + (pair.plain.tokenizer.encode("\nAnd the first entry?"))
        try await pair.expectSame(GenerationRequest(promptTokens: turn, sampling: .greedy, maxTokens: 60), "gemma3 next turn")
        #expect(pair.speculative.speculationStatistics.acceptedTokens > 20)
    }
}
