import Foundation
import OpenAIWire

/// Plain against prompt-lookup speculative decoding, single stream, in one run: each workload's
/// chat prompt is decoded by an engine without speculation and by one with it (both on one
/// shared pool, alternating, `repetitions` times each), and the decode rates are compared.
/// The outputs must be identical; the result says whether they were.
public struct SpeculativeDecodeBenchmark: Sendable {
    /// A chat prompt and how many tokens to decode at most.
    public struct Workload: Sendable {
        public var name: String
        public var prompt: String
        public var maxTokens: Int

        public init(name: String, prompt: String, maxTokens: Int) {
            self.name = name
            self.prompt = prompt
            self.maxTokens = maxTokens
        }
    }

    public struct Result: Sendable, Codable {
        public var workload: String
        /// Tokens decoded in the last run (the same with and without speculation when `identical`).
        public var tokens: Int
        public var plainTokensPerSecond: Double
        public var speculativeTokensPerSecond: Double
        public var ratio: Double
        /// Whether every speculative run produced the tokens of the plain run before it.
        public var identical: Bool
        /// Verification passes, draft tokens verified and draft tokens accepted over all speculative runs.
        public var steps: Int
        public var draftedTokens: Int
        public var acceptedTokens: Int

        enum CodingKeys: String, CodingKey {
            case workload, tokens, ratio, identical, steps
            case plainTokensPerSecond = "plain_tokens_per_second"
            case speculativeTokensPerSecond = "speculative_tokens_per_second"
            case draftedTokens = "drafted_tokens"
            case acceptedTokens = "accepted_tokens"
        }
    }

    /// Where lookups hit (an edit that returns most of its input; an answer quoting its source)
    /// and where they rarely do (free text).
    public static let workloads: [Workload] = [
        Workload(name: "code edit", prompt: """
            Rename the function `load_orders` to `read_orders` everywhere in this file and return the whole \
            file, changed, in one Python code block.

            ```python
            import csv
            from dataclasses import dataclass


            @dataclass
            class Order:
                order_id: int
                customer: str
                amount: float


            def load_orders(path):
                orders = []
                with open(path, newline="") as handle:
                    for row in csv.DictReader(handle):
                        orders.append(Order(int(row["order_id"]), row["customer"], float(row["amount"])))
                return orders


            def total_by_customer(orders):
                totals = {}
                for order in orders:
                    totals[order.customer] = totals.get(order.customer, 0.0) + order.amount
                return totals


            if __name__ == "__main__":
                orders = load_orders("orders.csv")
                for customer, total in sorted(total_by_customer(orders).items()):
                    print(f"{customer}: {total:.2f}")
            ```
            """, maxTokens: 320),
        Workload(name: "quoting answer", prompt: """
            Answer using only the document, and quote the sentences you use word for word.

            Document: The Harbour Bridge opened to traffic on 19 March 1932 after eight years of construction. \
            It carries eight traffic lanes, two railway tracks, a footway and a cycleway. The arch spans 503 \
            metres and its top stands 134 metres above the water. About 1,400 workers built it, and the steel \
            came mostly from Middlesbrough in England. Maintenance crews repaint the bridge continuously; a \
            full coat needs about 30,000 litres of paint.

            Question: When did the bridge open, how long is the arch, and where did the steel come from?
            """, maxTokens: 192),
        Workload(name: "free text", prompt: """
            Write a short story about a lighthouse keeper who finds a message in a bottle.
            """, maxTokens: 192),
    ]

    public var repetitions: Int
    /// Greedy, or temperature 0.8 / top_p 0.95 with a fixed seed (the same tokens either way too).
    public var sampled: Bool

    public init(repetitions: Int = 3, sampled: Bool = false) {
        self.repetitions = max(1, repetitions)
        self.sampled = sampled
    }

    /// Runs every workload on `plain` (speculation off) and `speculative` (on), one after the
    /// other, `repetitions` times, after one warm-up run each.
    public func run(plain: InferenceEngine, speculative: InferenceEngine,
                    workloads: [Workload] = SpeculativeDecodeBenchmark.workloads) async throws -> [Result] {
        var results: [Result] = []
        for workload in workloads {
            let prompt = try plain.chatPromptTokens(messages: [["role": "user", "content": .string(workload.prompt)]])
            let sampling = sampled ? SamplingParameters(temperature: 0.8, topP: 0.95, seed: 7) : .greedy
            let request = GenerationRequest(
                promptTokens: prompt, sampling: sampling,
                maxTokens: max(2, min(workload.maxTokens, plain.modelInfo.contextLength - prompt.count)))
            // Warm-up: pages the weights in and caches the prompt in both engines. (A rerun reuses the
            // cached prompt and recomputes its last token alone, not inside a prefill chunk: its
            // floats, and so the tokens, may differ from this first run's; both engines alike.)
            _ = try await Self.decode(request, on: plain)
            _ = try await Self.decode(request, on: speculative)
            var plainSeconds = 0.0, speculativeSeconds = 0.0, decoded = 0
            var identical = true
            var tokens = 0
            let before = speculative.speculationStatistics
            for _ in 0..<repetitions {
                let base = try await Self.decode(request, on: plain)
                let fast = try await Self.decode(request, on: speculative)
                identical = identical && fast.tokens == base.tokens
                plainSeconds += base.seconds
                speculativeSeconds += fast.seconds
                decoded += max(0, base.tokens.count - 1)
                tokens = base.tokens.count
            }
            let after = speculative.speculationStatistics
            let plainRate = Double(decoded) / max(plainSeconds, 1e-9)
            let speculativeRate = Double(decoded) / max(speculativeSeconds, 1e-9)
            results.append(Result(
                workload: workload.name, tokens: tokens, plainTokensPerSecond: plainRate,
                speculativeTokensPerSecond: speculativeRate, ratio: speculativeRate / max(plainRate, 1e-9),
                identical: identical, steps: after.steps - before.steps,
                draftedTokens: after.draftedTokens - before.draftedTokens,
                acceptedTokens: after.acceptedTokens - before.acceptedTokens))
        }
        return results
    }

    /// The tokens of one generation and the seconds from its first token to its last (decode alone).
    private static func decode(_ request: GenerationRequest, on engine: InferenceEngine) async throws
        -> (tokens: [Int], seconds: Double)
    {
        let clock = ContinuousClock()
        var tokens: [Int] = []
        var first: ContinuousClock.Instant?
        var last: ContinuousClock.Instant?
        for try await event in engine.generate(request) {
            if case .token(let token) = event {
                let now = clock.now
                if first == nil { first = now }
                last = now
                tokens.append(token.id)
            }
        }
        guard let first, let last else { return (tokens, 0) }
        return (tokens, (last - first).inSeconds)
    }
}
