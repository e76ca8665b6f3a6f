import Foundation
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
                    try await timedStream(url: url, messages: Self.messages, maxTokens: maxTokens) { await started.arrive() }
                }
            }
            if let longPromptWords {
                group.addTask {
                    await started.wait()
                    return try await timedStream(url: url, messages: Self.longPrompt(words: longPromptWords), maxTokens: 1, long: true)
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
