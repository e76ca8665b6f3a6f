/// Synthetic prompts of a given length from a fixed vocabulary.
enum BenchPrompt {
    static let vocabulary = [
        "river", "stone", "lantern", "orchard", "harbor", "meadow", "copper", "window", "garden", "signal",
        "winter", "market", "bridge", "thunder", "valley", "candle", "forest", "mirror", "engine", "silver",
        "island", "ladder", "pocket", "feather", "canyon", "rocket", "basket", "compass", "violet", "anchor",
    ]

    /// "Continue this list of words: w1 w2 …" with `words` words chosen by `seed`.
    static func make(words: Int, seed: UInt64) -> String {
        var generator = SplitMix64(seed: seed)
        let chosen = (0..<max(1, words)).map { _ in vocabulary[Int(generator.next() % UInt64(vocabulary.count))] }
        return "Continue this list of words with a short story: " + chosen.joined(separator: " ")
    }
}
