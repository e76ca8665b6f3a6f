import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenAIWire

/// `serve-bench --long-prompt N`: what a long new prompt does to the streams already running.
/// The largest concurrency level's streams run twice: alone, and with a request of about N prompt
/// tokens (fresh text, so no prompt cache helps) arriving once they are decoding. The gaps
/// between their content chunks (inter-token latency) are compared: a server that prefills the
/// whole prompt in one pass stalls every stream for as long as that takes; one that interleaves
/// prompt chunks with decode steps keeps the gaps short.
extension ServeBenchCommand {
    struct InterTokenLatency: Codable {
        var streams: Int
        var promptTokens: Int
        var aloneP50Milliseconds: Double
        var aloneP99Milliseconds: Double
        var aloneMaxMilliseconds: Double
        var withPromptP50Milliseconds: Double
        var withPromptP99Milliseconds: Double
        var withPromptMaxMilliseconds: Double
        /// The long request's time to its first token.
        var promptTimeToFirstTokenMilliseconds: Double
    }

    func measureInterference(url: String, streams: Int, promptWords: Int) async throws -> InterTokenLatency {
        let alone = try await interTokenGaps(url: url, streams: streams, longPromptWords: nil)
        let together = try await interTokenGaps(url: url, streams: streams, longPromptWords: promptWords)
        func percentile(_ gaps: [Double], _ fraction: Double) -> Double {
            guard !gaps.isEmpty else { return 0 }
            let sorted = gaps.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
        }
        return InterTokenLatency(
            streams: streams, promptTokens: together.promptTokens,
            aloneP50Milliseconds: percentile(alone.gaps, 0.5), aloneP99Milliseconds: percentile(alone.gaps, 0.99),
            aloneMaxMilliseconds: alone.gaps.max() ?? 0,
            withPromptP50Milliseconds: percentile(together.gaps, 0.5),
            withPromptP99Milliseconds: percentile(together.gaps, 0.99),
            withPromptMaxMilliseconds: together.gaps.max() ?? 0,
            promptTimeToFirstTokenMilliseconds: together.promptTimeToFirstToken)
    }

    /// `streams` streamed completions; with `longPromptWords`, one long request is sent once every
    /// stream has its first token. Returns the streams' gaps in milliseconds, measured while
    /// the long request ran (all gaps when there is none).
    private func interTokenGaps(
        url: String, streams: Int, longPromptWords: Int?
    ) async throws -> (gaps: [Double], promptTokens: Int, promptTimeToFirstToken: Double) {
        let started = AsyncCounter(target: streams)
        return try await withThrowingTaskGroup(of: TimedStream.self) { group in
            for _ in 0..<streams {
                group.addTask {
                    try await timedStream(url: url, messages: Self.messages, maxTokens: maxTokens, long: false) {
                        await started.arrive()
                    }
                }
            }
            if let longPromptWords {
                group.addTask {
                    await started.wait()
                    return try await timedStream(
                        url: url, messages: Self.longPrompt(words: longPromptWords), maxTokens: 1, long: true) {}
                }
            }
            var decoding: [TimedStream] = []
            var long: TimedStream?
            for try await stream in group {
                if stream.long { long = stream } else { decoding.append(stream) }
            }
            let window = long.map { $0.start...($0.arrivals.last ?? $0.start) }
            var gaps: [Double] = []
            for stream in decoding {
                for (previous, next) in zip(stream.arrivals, stream.arrivals.dropFirst()) {
                    if let window, !(window.contains(next) || window.contains(previous)) { continue }
                    gaps.append((next - previous).inSeconds * 1000)
                }
            }
            let firstToken = long.flatMap { stream in stream.arrivals.first.map { ($0 - stream.start).inSeconds * 1000 } } ?? 0
            return (gaps, long?.promptTokens ?? 0, firstToken)
        }
    }

    /// A prompt of about `words` words (a word is one or two tokens in these vocabularies) that no
    /// cache has seen: it starts with a random number.
    static func longPrompt(words: Int) -> JSONValue {
        let sentence = "the keeper climbed the stairs of the old lighthouse and watched the grey sea roll in"
        let pieces = sentence.split(separator: " ")
        var text = "Note \(UInt64.random(in: 0..<UInt64.max)): "
        for index in 0..<words { text += pieces[index % pieces.count] + (index % 16 == 15 ? ". " : " ") }
        return [["role": "user", "content": .string(text + "\nSummarize the note in one word.")]]
    }

    struct TimedStream: Sendable {
        var start: ContinuousClock.Instant
        /// When each chunk with content arrived.
        var arrivals: [ContinuousClock.Instant]
        var promptTokens: Int
        /// The long request, not one of the decoding streams.
        var long: Bool
    }

    /// One streamed greedy completion, timing each buffer that carried content; `onFirst` runs
    /// when the first content arrives.
    private func timedStream(
        url: String, messages: JSONValue, maxTokens: Int, long: Bool, onFirst: @Sendable () async -> Void
    ) async throws -> TimedStream {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        // A connection per stream: llama-server (cpp-httplib) left a reused keep-alive
        // connection's next request unanswered, which hung the run.
        request.headers.add(name: "Connection", value: "close")
        let body: JSONValue = [
            "model": "bench", "messages": messages, "max_tokens": .int(maxTokens), "temperature": 0, "ignore_eos": true,
            "stream": true, "stream_options": ["include_usage": true],
        ]
        request.body = .bytes(ByteBuffer(string: body.jsonString))
        let start = ContinuousClock.now
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(600))
        guard response.status == .ok else { throw BenchError("the server answered \(response.status)") }
        var arrivals: [ContinuousClock.Instant] = []
        var text = ""
        for try await buffer in response.body {
            let piece = String(buffer: buffer)
            text += piece
            if piece.contains("\"content\":\"") {
                arrivals.append(.now)
                if arrivals.count == 1 { await onFirst() }
            }
        }
        if arrivals.isEmpty { await onFirst() }
        let usage = ServerSentEvents.payloads(in: text).compactMap { try? JSONValue.parse($0) }.compactMap { $0["usage"] }.last
        return TimedStream(
            start: start, arrivals: arrivals, promptTokens: usage?["prompt_tokens"]?.intValue ?? 0, long: long)
    }
}

/// Lets waiters go once `target` arrivals were counted.
actor AsyncCounter {
    private let target: Int
    private var count = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(target: Int) {
        self.target = target
    }

    func arrive() {
        count += 1
        guard count == target else { return }
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }

    func wait() async {
        if count >= target { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}
