import Synchronization

/// Prompt-lookup speculative decoding's settings and counters for one engine.
///
/// A speculative step runs the only active sequence's last token and a draft of up to
/// `draftTokens` tokens (`PromptLookup`) through the model in one pass, every row computed as a
/// one-token decode step computes it (`LlamaModel.forward(_:rowsAsDecodeSteps:)`), then hands
/// the rows one by one to the ordinary per-token path (sampler, grammar, logprobs, penalties,
/// stop strings, limits) until the token it chooses differs from the draft. Each row's logits
/// are bit for bit those of plain decoding, and each token is drawn by the same sampler with the
/// same random state, so the output equals plain decoding's token for token, greedy or seeded
/// sampling alike: a draft only decides how many positions one pass computes. (Drawing from the
/// processed distribution and accepting when the draw equals the draft is speculative sampling
/// for a point-mass draft: accepted with probability p(draft), otherwise a draw from p without
/// the draft, renormalised.) Rows after the first mismatch are discarded; their cache rows lie
/// past the sequence's length and are overwritten before anything attends to them.
package final class SpeculativeDecoding: Sendable {
    /// Rows a verification pass holds at most (the last token and 6 drafts). From 8 tokens the
    /// kernels change how a product rounds: llama.cpp's tiled Q6_K kernel
    /// (`MatrixMultiply.tiledMinimumTokens`) and the AVX2 8-token tiles of the signed block
    /// formats; under it a product's rows round as one-token products do.
    static let maximumVerifyRows = 7
    static var maximumDraftTokens: Int { maximumVerifyRows - 1 }

    /// The drafts a step verifies at most (0: off, also for models whose rows would not be exact).
    let draftTokens: Int
    let lookup: PromptLookup
    private let counters = Counters()

    init(draftTokens: Int, exactRows: Bool, lookup: PromptLookup = PromptLookup()) {
        self.draftTokens = exactRows ? min(max(0, draftTokens), Self.maximumDraftTokens) : 0
        self.lookup = lookup
    }

    /// What speculation did since the engine started.
    var statistics: SpeculationStatistics {
        SpeculationStatistics(
            steps: counters.steps.load(ordering: .relaxed), draftedTokens: counters.drafted.load(ordering: .relaxed),
            acceptedTokens: counters.accepted.load(ordering: .relaxed))
    }

    /// The acceptance rule: `choose(row)` picks the token after row `row` (0: the sequence's last
    /// token, i > 0: `draft[i - 1]`) the way plain decoding would, and emits it; it returns nil when
    /// the sequence ended with that token. Rows are visited while each choice confirms the draft,
    /// so one call chooses between 1 and `draft.count + 1` tokens.
    /// - Returns: the draft tokens accepted.
    package static func verify(draft: [Int], choose: (Int) -> Int?) -> Int {
        var accepted = 0
        for row in 0...draft.count {
            guard let token = choose(row), row < draft.count, token == draft[row] else { break }
            accepted += 1
        }
        return accepted
    }

    func record(drafted: Int, accepted: Int) {
        counters.steps.add(1, ordering: .relaxed)
        counters.drafted.add(drafted, ordering: .relaxed)
        counters.accepted.add(accepted, ordering: .relaxed)
    }

    /// The next draft limit of a sequence whose last step accepted `accepted` of `drafted`: after
    /// a full acceptance it grows back to the maximum, after a miss it is what was accepted plus
    /// one, so text that stops repeating costs short verification passes only.
    func nextLimit(drafted: Int, accepted: Int) -> Int {
        accepted == drafted ? draftTokens : max(1, accepted + 1)
    }

    private final class Counters: Sendable {
        let steps = Atomic<Int>(0)
        let drafted = Atomic<Int>(0)
        let accepted = Atomic<Int>(0)
    }
}

/// Counts of an engine's speculative steps (see `EngineConfiguration.speculativeDraftTokens`).
public struct SpeculationStatistics: Sendable, Equatable {
    /// Verification passes run.
    public var steps: Int
    /// Draft tokens verified in them.
    public var draftedTokens: Int
    /// Draft tokens that the model's own choice confirmed (each saved a decode step).
    public var acceptedTokens: Int
}
