import Engine
import Foundation
import OpenAIWire
import Testing
import TestSupport
import Tokenization

/// Generation behaviour through the public API, on the real model.
@Suite struct GenerationTests {
    func prompt(_ text: String) throws -> [Int] {
        try SharedEngine.get().chatPromptTokens(messages: [["role": "user", "content": .string(text)]])
    }

    @Test func greedyIsDeterministicAndRespectsMaxTokens() async throws {
        let engine = try SharedEngine.fresh()
        let request = GenerationRequest(promptTokens: try prompt("Name a fruit."), sampling: .greedy, maxTokens: 12,
                                        ignoreEOS: true)
        let first = try await SharedEngine.collect(request, on: engine)
        let second = try await SharedEngine.collect(request, on: engine)
        #expect(first.ids == second.ids)
        #expect(first.ids.count == 12)
        #expect(first.reason == .length)
        #expect(first.usage?.completionTokens == 12)
        #expect(first.usage?.promptTokens == request.promptTokens.count)
        #expect(first.text == engine.tokenizer.decode(first.ids, skipSpecial: true))
    }

    @Test func sameSeedSameTextDifferentSeedsVary() async throws {
        let engine = try SharedEngine.fresh()
        let tokens = try prompt("Write a sentence about the sea.")
        func run(_ seed: UInt64) async throws -> [Int] {
            try await SharedEngine.collect(GenerationRequest(
                promptTokens: tokens, sampling: SamplingParameters(temperature: 1.0, seed: seed), maxTokens: 24,
                ignoreEOS: true), on: engine).ids
        }
        let a = try await run(42)
        let b = try await run(42)
        #expect(a == b)
        var others: Set<[Int]> = []
        for seed in 1...4 { others.insert(try await run(UInt64(seed))) }
        #expect(others.count > 1, "four different seeds all gave the same 24 tokens")
    }

    @Test func stopSequenceEndsTextBeforeIt() async throws {
        let engine = try SharedEngine.get()
        let tokens = try prompt("Count from one to twenty in words, separated by commas.")
        let free = try await SharedEngine.collect(
            GenerationRequest(promptTokens: tokens, sampling: .greedy, maxTokens: 40, ignoreEOS: true), on: engine)
        // Pick a stop string from the middle of the free text; the stopped text must be its prefix.
        let characters = Array(free.text)
        try #require(characters.count > 12)
        let stop = String(characters[8..<11])
        let stopRange = try #require(free.text.range(of: stop))
        let expected = String(free.text[..<stopRange.lowerBound])
        let stopped = try await SharedEngine.collect(GenerationRequest(
            promptTokens: tokens, sampling: .greedy, maxTokens: 40, ignoreEOS: true, stopSequences: ["\u{0}never", stop]),
                                                     on: engine)
        #expect(stopped.text == expected)
        #expect(stopped.reason == .stop)
    }

    @Test func minTokensAndIgnoreEOSFixTheLength() async throws {
        let engine = try SharedEngine.get()
        let outcome = try await SharedEngine.collect(GenerationRequest(
            promptTokens: try prompt("Say hi."), sampling: .greedy, maxTokens: 30, minTokens: 30), on: engine)
        #expect(outcome.ids.count == 30)
        #expect(!outcome.ids.contains { engine.tokenizer.endOfGenerationTokenIDs.contains($0) })
    }

    @Test func logprobsDescribeTheChosenToken() async throws {
        let engine = try SharedEngine.get()
        let outcome = try await SharedEngine.collect(GenerationRequest(
            promptTokens: try prompt("Say hi."), sampling: .greedy, maxTokens: 5, ignoreEOS: true, logprobs: 3),
                                                     on: engine)
        #expect(outcome.logprobs.count == 5)
        for (id, logprob) in zip(outcome.ids, outcome.logprobs) {
            #expect(logprob.id == id)
            #expect(logprob.top.count == 3)
            #expect(logprob.top.first?.id == id, "greedy picks the most likely token")
            #expect(logprob.logprob <= 0)
            #expect(logprob.top.map(\.logprob) == logprob.top.map(\.logprob).sorted(by: >))
        }
    }

    @Test func promptOverTheContextWindowIsRefused() async throws {
        let engine = try SharedEngine.get()
        let tokens = Array(repeating: 198, count: engine.modelInfo.contextLength)
        await #expect(throws: EngineError.self) {
            for try await _ in engine.generate(GenerationRequest(promptTokens: tokens, maxTokens: 1)) {}
        }
        do {
            try engine.validate(GenerationRequest(promptTokens: tokens, maxTokens: 1))
            Issue.record("expected contextLengthExceeded")
        } catch {
            guard case .contextLengthExceeded(let prompt, let requested, let context) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(prompt == tokens.count && requested == 1 && context == engine.modelInfo.contextLength)
        }
    }

    @Test func invalidTokenIDsAreRefused() async throws {
        let engine = try SharedEngine.get()
        #expect(throws: EngineError.self) { try engine.validate(GenerationRequest(promptTokens: [-1], maxTokens: 1)) }
        #expect(throws: EngineError.self) {
            try engine.validate(GenerationRequest(promptTokens: [engine.modelInfo.vocabularySize], maxTokens: 1))
        }
        #expect(throws: EngineError.self) { try engine.validate(GenerationRequest(promptTokens: [], maxTokens: 1)) }
    }

    @Test func concurrentSequencesMatchSoloRuns() async throws {
        let engine = try SharedEngine.fresh()
        let prompts = try ["Name a color.", "Name an animal.", "Name a planet.", "Name a city."].map(prompt)
        let requests = prompts.map { GenerationRequest(promptTokens: $0, sampling: .greedy, maxTokens: 10, ignoreEOS: true) }
        var solo: [[Int]] = []
        for request in requests { solo.append(try await SharedEngine.collect(request, on: engine).ids) }
        let together = try await SharedEngine.collectAtOnce(requests.map { ($0, engine) }).map(\.ids)
        #expect(together == solo, "batched decoding must give each sequence the tokens it gets alone")
    }

    /// Eight streams on two threads: once all eight decode, each step runs as two parts of four
    /// side by side (`LlamaModel+DecodeParts`), and every token's log-probability and top
    /// alternatives must be the floats the stream gets alone.
    @Test func splitDecodeStepsKeepEachStreamsFloats() async throws {
        let engine = try InferenceEngine(
            modelPath: SharedFixtures.modelPath,
            configuration: EngineConfiguration(contextLength: 1024, maxConcurrentSequences: 8, threadCount: 2))
        defer { engine.shutdown() }
        let prompts = try ["Name a color.", "Name an animal.", "Name a planet.", "Name a city.", "Name a river.",
                           "Name a tree.", "Name a metal.", "Name a sport."].map(prompt)
        let requests = prompts.map {
            GenerationRequest(promptTokens: $0, sampling: .greedy, maxTokens: 8, ignoreEOS: true, logprobs: 3)
        }
        var solo: [[TokenLogprob]] = []
        for request in requests { solo.append(try await SharedEngine.collect(request, on: engine).logprobs) }
        let together = try await SharedEngine.collectAtOnce(requests.map { ($0, engine) }).map(\.logprobs)
        #expect(solo.allSatisfy { $0.count == 8 })
        #expect(together == solo, "a stream decoded in a split batch must get the floats it gets alone")
    }

    /// Seeded draws at T 0.8 / top_p 0.95: a batch's samplers run in parallel on the pool
    /// (`Scheduler.drawAhead`), and each sequence must still draw what it draws alone.
    @Test func concurrentSampledSequencesMatchSoloRuns() async throws {
        let engine = try SharedEngine.fresh()
        let prompts = try ["Name a color.", "Name an animal.", "Name a planet.", "Name a city."].map(prompt)
        let requests = prompts.enumerated().map { index, tokens in
            GenerationRequest(promptTokens: tokens, sampling: SamplingParameters(
                temperature: 0.8, topP: 0.95, seed: UInt64(100 + index)), maxTokens: 12, ignoreEOS: true)
        }
        var solo: [[Int]] = []
        for request in requests { solo.append(try await SharedEngine.collect(request, on: engine).ids) }
        let together = try await SharedEngine.collectAtOnce(requests.map { ($0, engine) }).map(\.ids)
        #expect(together == solo, "a sampler run beside others must draw what it draws alone")
        #expect(Set(solo).count > 1)
    }

    /// Two engines taking turns on one pool (`serve --model A --model B`), each with two seeded
    /// sampled streams at once: the parallel draws run inside an engine's turn, and every stream
    /// draws what it draws alone.
    @Test func enginesSharingAPoolDrawWhatTheyDrawAlone() async throws {
        let shared = SharedCompute(threadCount: 2)
        let configuration = EngineConfiguration(contextLength: 1024, maxConcurrentSequences: 2, sharedCompute: shared)
        let engines = try (0..<2).map { _ in
            try InferenceEngine(modelPath: SharedFixtures.modelPath, configuration: configuration)
        }
        defer { for engine in engines { engine.shutdown() } }
        let prompts = try ["Name a color.", "Name an animal."].map(prompt)
        let requests = prompts.enumerated().map { index, tokens in
            GenerationRequest(promptTokens: tokens, sampling: SamplingParameters(
                temperature: 0.8, topP: 0.95, seed: UInt64(7 + index)), maxTokens: 10, ignoreEOS: true)
        }
        var solo: [[Int]] = []
        for request in requests { solo.append(try await SharedEngine.collect(request, on: engines[0]).ids) }
        let together = try await SharedEngine.collectAtOnce(engines.flatMap { engine in requests.map { ($0, engine) } }).map(\.ids)
        #expect(together == solo + solo)
    }

    @Test func repeatedPrefixIsServedFromTheCache() async throws {
        let engine = try InferenceEngine(modelPath: SharedFixtures.modelPath,
                                         configuration: EngineConfiguration(contextLength: 512, maxConcurrentSequences: 1))
        let first = try prompt("Tell me about caching.")
        let cold = try await SharedEngine.collect(
            GenerationRequest(promptTokens: first, sampling: .greedy, maxTokens: 4, ignoreEOS: true), on: engine)
        #expect(cold.usage?.cachedPromptTokens == 0)
        // The next turn repeats the whole first prompt and answer: all of it is reused.
        let next = first + cold.ids + (try prompt("And more?"))
        let warm = try await SharedEngine.collect(
            GenerationRequest(promptTokens: next, sampling: .greedy, maxTokens: 4, ignoreEOS: true), on: engine)
        #expect(warm.usage?.cachedPromptTokens == first.count + cold.ids.count - 1)
        // Same tokens as without the cache.
        let fresh = try InferenceEngine(modelPath: SharedFixtures.modelPath,
                                        configuration: EngineConfiguration(contextLength: 512, maxConcurrentSequences: 1))
        let uncached = try await SharedEngine.collect(
            GenerationRequest(promptTokens: next, sampling: .greedy, maxTokens: 4, ignoreEOS: true), on: fresh)
        #expect(uncached.ids == warm.ids)
    }

    @Test func droppedConsumerFreesItsSlot() async throws {
        // An engine of its own: other tests' sequences would show in the shared one's count.
        let engine = try InferenceEngine(modelPath: SharedFixtures.modelPath,
                                         configuration: EngineConfiguration(contextLength: 2048, maxConcurrentSequences: 1))
        let tokens = try prompt("Tell me a long story.")
        // 1,900 tokens take well over 20 s even on an idle machine: if the slot frees sooner,
        // the dropped consumer stopped the generation (a liveness check, not a timing bound).
        var received = 0
        for try await event in engine.generate(GenerationRequest(promptTokens: tokens, maxTokens: 1900, ignoreEOS: true)) {
            if case .token = event { received += 1 }
            if received == 3 { break }
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while engine.activeSequences > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(engine.activeSequences == 0)
    }
}
