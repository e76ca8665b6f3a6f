import HTTPTypes
import ConstrainedDecoding
import Engine
import Fleet
import OpenAIWire
import Synchronization

/// A deterministic model for server tests: one token per UTF-8 byte, a fixed reply, and
/// counters that show what the server asked of it.
final class FakeBackend: ModelBackend {
    struct Behaviour: Sendable {
        /// The text every generation produces (cut at `maxTokens` and stop sequences).
        var reply = "Hello from the fake model."
        /// Pause before each token.
        var tokenDelay: Duration = .zero
        /// Throw after this many tokens.
        var failAfter: Int?
        var acceptsMedia = false
        /// Answer requests that offer tools with one call of the first tool, `{"x":1}` in two pieces.
        var callsTools = false
    }

    let descriptor: ModelDescriptor
    let behaviour: Behaviour
    private let counters = Mutex(Counters())

    struct Counters {
        var started = 0
        var finished = 0
        var cancelled = 0
        var running = 0
        var lastRequest: GenerationRequest?
    }

    init(id: String = "fake-model", contextLength: Int = 256, behaviour: Behaviour = Behaviour()) {
        self.descriptor = ModelDescriptor(
            id: id, contextLength: contextLength, vocabularySize: 256, fingerprint: "fp_fake", created: 1_700_000_000,
            acceptsMedia: behaviour.acceptsMedia, supportsToolCalls: behaviour.callsTools)
        self.behaviour = behaviour
    }

    var started: Int { counters.withLock { $0.started } }
    var cancelled: Int { counters.withLock { $0.cancelled } }
    var running: Int { counters.withLock { $0.running } }
    var lastRequest: GenerationRequest? { counters.withLock { $0.lastRequest } }

    var load: BackendLoad { BackendLoad(queued: 0, active: running) }

    func tokenize(_ text: String, addSpecialTokens: Bool) throws -> [Int] {
        text.utf8.map { Int($0) }
    }

    func detokenize(_ tokens: [Int]) throws -> String {
        String(decoding: tokens.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
    }

    func renderChat(messages: JSONValue, tools: JSONValue?, addGenerationPrompt: Bool) throws -> String {
        var prompt = ""
        for message in messages.arrayValue ?? [] {
            prompt += "\(message["role"]?.stringValue ?? "?"): \(message["content"]?.stringValue ?? "")\n"
        }
        return prompt + (addGenerationPrompt ? "assistant:" : "")
    }

    /// The log-probability of byte `id`: a fixed function, so tests can check values.
    static func logprob(of id: Int) -> Float { -Float(id % 7) / 4 - 0.1 }

    static func tokenLogprob(_ id: Int, alternatives: Int) -> TokenLogprob {
        let top = (0..<alternatives).map { rank in
            let alternative = (id + rank) % 128
            return TokenAlternative(
                id: alternative, token: String(UnicodeScalar(UInt8(alternative))), bytes: [UInt8(alternative)],
                logprob: logprob(of: alternative))
        }
        return TokenLogprob(id: id, token: String(UnicodeScalar(UInt8(id))), bytes: [UInt8(id)], logprob: logprob(of: id), top: top)
    }

    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        counters.withLock {
            $0.started += 1
            $0.running += 1
            $0.lastRequest = request
        }
        let behaviour = behaviour
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: GenerationEvent.self, throwing: (any Error).self)
        let task = Task { [self] in
            defer { counters.withLock { $0.running -= 1 } }
            do {
                if let alternatives = request.promptLogprobs {
                    let scored: [TokenLogprob?] = request.promptTokens.enumerated().map { position, id in
                        position == 0 ? nil : Self.tokenLogprob(id, alternatives: alternatives)
                    }
                    continuation.yield(.promptScored(scored))
                }
                if behaviour.callsTools, case .toolCalls(let tools) = request.constraint, let tool = tools.tools.first {
                    continuation.yield(.toolCall(ToolCallDelta(index: 0, id: "call_fake", name: tool.name, arguments: "")))
                    continuation.yield(.toolCall(ToolCallDelta(index: 0, arguments: "{\"x\":")))
                    continuation.yield(.toolCall(ToolCallDelta(index: 0, arguments: "1}")))
                    continuation.yield(.finished(.toolCalls, GenerationUsage(promptTokens: request.promptTokens.count, completionTokens: 6)))
                    continuation.finish()
                    return
                }
                // A seed changes the reply's first letter, so seeds are visible in the text.
                var reply = Array(behaviour.reply.utf8)
                if let seed = request.sampling.seed, request.sampling.temperature > 0, !reply.isEmpty {
                    reply[0] = UInt8(ascii: "A") + UInt8(seed % 26)
                }
                var text = ""
                var produced = 0
                var reason = FinishReason.stop
                for byte in reply {
                    if produced == request.maxTokens {
                        reason = .length
                        break
                    }
                    if let failAfter = behaviour.failAfter, produced == failAfter {
                        throw EngineError.invalidRequest("the fake model failed on purpose")
                    }
                    if behaviour.tokenDelay > .zero { try await Task.sleep(for: behaviour.tokenDelay) }
                    try Task.checkCancellation()
                    text += String(UnicodeScalar(byte))
                    produced += 1
                    if request.stopSequences.contains(where: { text.hasSuffix($0) }) { break }
                    continuation.yield(
                        .token(
                            GeneratedToken(
                                id: Int(byte), text: String(UnicodeScalar(byte)),
                                logprob: request.logprobs.map { Self.tokenLogprob(Int(byte), alternatives: $0) })))
                }
                if produced == request.maxTokens, produced < reply.count { reason = .length }
                continuation.yield(
                    .finished(reason, GenerationUsage(promptTokens: request.promptTokens.count, completionTokens: produced)))
                continuation.finish()
                counters.withLock { $0.finished += 1 }
            } catch is CancellationError {
                counters.withLock { $0.cancelled += 1 }
                continuation.finish(throwing: EngineError.cancelled)
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
