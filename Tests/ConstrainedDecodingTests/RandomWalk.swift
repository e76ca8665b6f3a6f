import ConstrainedDecoding
import Foundation
import TestSupport

/// Generates an output by repeatedly choosing a random allowed token, as a sampler would
/// with random logits. After `softLimit` tokens it prefers tokens that close strings,
/// arrays and objects, so that walks terminate; it stops when an end token is chosen.
struct RandomWalk {
    var matcher: GrammarMatcher
    var random: SplitMix64
    var output: [UInt8] = []
    var maskMilliseconds: [Double] = []
    var tokenCount = 0
    /// Mask exactness problems found (a description each).
    var problems: [String] = []

    static let softLimit = 60
    static let hardLimit = 1500
    static let closingBytes: Set<UInt8> = [UInt8(ascii: "\""), UInt8(ascii: "]"), UInt8(ascii: "}")]

    init(grammar: Grammar, vocabulary: TokenVocabulary, seed: UInt64) {
        matcher = GrammarMatcher(grammar: grammar, vocabulary: vocabulary)
        random = SplitMix64(seed: seed)
    }

    /// Runs the walk; returns whether it ended with an end-of-generation token.
    mutating func run(checkEvery: Int) -> Bool {
        let vocabulary = matcher.vocabulary
        while tokenCount < RandomWalk.hardLimit {
            let start = threadCPUMilliseconds()
            let mask = matcher.allowedTokens()
            maskMilliseconds.append(threadCPUMilliseconds() - start)
            let allowed = mask.allowedIDs
            if allowed.isEmpty {
                problems.append("no token allowed after \(String(decoding: output, as: UTF8.self))")
                return false
            }
            if checkEvery > 0, tokenCount % checkEvery == 0 { checkExactness(mask, allowed) }
            let ends = allowed.filter { vocabulary.endOfGenerationTokenIDs.contains($0) }
            if !ends.isEmpty && (tokenCount >= RandomWalk.softLimit || allowed.count == ends.count || Bool.random(using: &random)) {
                if !matcher.isComplete { problems.append("end token allowed before completion") }
                return matcher.accept(ends[0])
            }
            var candidates = allowed.filter { !vocabulary.endOfGenerationTokenIDs.contains($0) }
            if tokenCount >= RandomWalk.softLimit {
                let closing = candidates.filter { id in vocabulary.tokenBytes[id].allSatisfy { RandomWalk.closingBytes.contains($0) } }
                if !closing.isEmpty {
                    candidates = closing
                } else {
                    // Prefer short tokens: they finish literals and numbers soonest.
                    let shortest = candidates.map { vocabulary.tokenBytes[$0].count }.min() ?? 1
                    candidates = candidates.filter { vocabulary.tokenBytes[$0].count == shortest }
                }
            }
            guard let choice = candidates.randomElement(using: &random) else { return false }
            guard matcher.accept(choice) else {
                problems.append("allowed token \(choice) rejected after \(String(decoding: output, as: UTF8.self))")
                return false
            }
            output += vocabulary.tokenBytes[choice]
            tokenCount += 1
        }
        return false
    }

    /// Every allowed token (or a sample of 1500 when more) must be accepted by the byte
    /// matcher, and a sample of disallowed tokens rejected.
    mutating func checkExactness(_ mask: TokenMask, _ allowed: [Int]) {
        let vocabulary = matcher.vocabulary
        var checked = allowed.filter { !vocabulary.endOfGenerationTokenIDs.contains($0) }
        if checked.count > 1500 { checked = (0..<1500).compactMap { _ in checked.randomElement(using: &random) } }
        for id in checked {
            var copy = matcher
            if !copy.accept(id) { problems.append("mask allows \(id) but the matcher rejects it") }
        }
        var disallowedChecked = 0
        var attempts = 0
        while disallowedChecked < 400 && attempts < 20_000 {
            attempts += 1
            let id = Int.random(in: 0..<vocabulary.count, using: &random)
            if mask.isAllowed(id) { continue }
            disallowedChecked += 1
            var copy = matcher
            if copy.accept(id) { problems.append("mask forbids \(id) but the matcher accepts it") }
        }
    }
}
