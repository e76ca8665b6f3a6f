import Engine
import Testing

/// One greedy step of a llama.cpp reference: the token it chose and its top five candidates.
typealias ReferenceStep = (id: Int, top: [(id: Int, logprob: Float)])

/// How an engine's top-5 log-probabilities compared with a reference's over its steps.
struct TeacherForcingScore {
    /// The largest log-probability difference at any rank of any step.
    var worst: Float = 0
    /// Ranks whose candidate was the reference's.
    var idsAgreed = 0
    /// Ranks compared.
    var entries = 0
}

enum TeacherForcing {
    /// Feeds `prompt` plus the reference's tokens before each step, one greedy request a step (the
    /// engine's cache keeps the prefix, as llama-server's slot does), and compares each step's top
    /// five with the reference's: candidates by `sameCandidate(rank, ours, theirs)` (by default, the
    /// same id at that rank), log-probabilities by their largest difference.
    static func score(
        _ engine: InferenceEngine, prompt: [Int], steps: [ReferenceStep],
        sameCandidate: (Int, [TokenAlternative], [(id: Int, logprob: Float)]) -> Bool = { rank, ours, theirs in
            ours[rank].id == theirs[rank].id
        }
    ) async throws -> TeacherForcingScore {
        var score = TeacherForcingScore()
        for (stepIndex, step) in steps.enumerated() {
            let prefix = prompt + steps.prefix(stepIndex).map(\.id)
            let request = GenerationRequest(
                promptTokens: prefix, sampling: SamplingParameters(temperature: 0), maxTokens: 1, logprobs: 5)
            var ours: [TokenAlternative] = []
            for try await event in engine.generate(request) {
                if case .token(let token) = event { ours = token.logprob?.top ?? [] }
            }
            try #require(ours.count == 5 && step.top.count == 5)
            for rank in 0..<5 {
                if sameCandidate(rank, ours, step.top) { score.idsAgreed += 1 }
                score.worst = max(score.worst, abs(ours[rank].logprob - step.top[rank].logprob))
                score.entries += 1
            }
        }
        return score
    }
}
