/// Completion tokens of a streamed request while it runs: counted per streamed token so a
/// request cut short still reports what it generated, and replaced by the engine's own count
/// when a choice finishes (tool-call tokens arrive as calls, not tokens).
struct CompletionTokenCount {
    private var perChoice: [Int: Int] = [:]

    mutating func streamed(choice: Int) {
        perChoice[choice, default: 0] += 1
    }

    mutating func finished(choice: Int, tokens: Int) {
        perChoice[choice] = tokens
    }

    var total: Int { perChoice.values.reduce(0, +) }
}
