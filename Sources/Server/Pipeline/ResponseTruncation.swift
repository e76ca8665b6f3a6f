import Fleet
import OpenAIWire

/// `truncation: "auto"`: when the rendered conversation (plus `max_output_tokens`) does not fit
/// the model's window, the oldest conversation items are dropped, as OpenAI documents, until it
/// does. Instructions and system/developer messages stay; the conversation left starts at a user
/// message (a reply or tool result without what it answers would be dropped too, and most chat
/// templates require a user turn first). The fewest items are dropped: a binary search over how
/// many, each try a full plan (render, tokenize, budget).
enum ResponseTruncation {
    /// The plan of `chat` with the fewest oldest items dropped that fits; rethrows the original
    /// context-length error when even the newest item alone does not fit.
    static func plan(
        _ chat: ChatCompletionRequest, planning: (ChatCompletionRequest) throws -> GenerationPlan
    ) throws -> (plan: GenerationPlan, droppedMessages: Int) {
        let original: FleetError
        do {
            return (try planning(chat), 0)
        } catch let error as FleetError {
            guard case .contextLengthExceeded = error else { throw error }
            original = error
        }
        let conversationCount = chat.messages.filter { !isKept($0) }.count
        // fits(count) for count in 1..<conversationCount; more dropped never renders longer.
        var low = 1
        var high = conversationCount - 1
        var best: (GenerationPlan, Int)?
        while low <= high {
            let count = (low + high) / 2
            var shorter = chat
            guard let messages = dropping(count, from: chat.messages) else {
                high = count - 1
                continue
            }
            shorter.messages = messages
            do {
                best = (try planning(shorter), chat.messages.count - messages.count)
                high = count - 1
            } catch let error as FleetError {
                guard case .contextLengthExceeded = error else { throw error }
                low = count + 1
            }
        }
        guard let best else { throw original }
        return best
    }

    /// Instructions and system/developer messages are never dropped.
    static func isKept(_ message: ChatMessage) -> Bool {
        message.role == .system || message.role == .developer
    }

    /// `messages` less the `count` oldest conversation messages and any that would then open the
    /// conversation before a user message; nil when no conversation message is left.
    static func dropping(_ count: Int, from messages: [ChatMessage]) -> [ChatMessage]? {
        var dropped = 0
        var started = false
        var kept: [ChatMessage] = []
        for message in messages {
            if isKept(message) {
                kept.append(message)
            } else if dropped < count {
                dropped += 1
            } else if started || message.role == .user {
                started = true
                kept.append(message)
            }
        }
        return started ? kept : nil
    }
}
