import Engine
import Fleet

/// An event of one choice of a request.
struct ChoiceEvent: Sendable {
    var index: Int
    var event: GenerationEvent
}

/// Runs every choice of a plan at once and merges their events into one stream. Ending the
/// consumer (a dropped client, a cancelled task) cancels every generation.
enum GenerationRunner {
    static func events(for plan: GenerationPlan, on backend: any ModelBackend) -> AsyncThrowingStream<ChoiceEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ChoiceEvent.self, throwing: (any Error).self)
        let choices = plan.choices
        let task = Task {
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for choice in choices {
                        group.addTask {
                            for try await event in backend.generate(choice.request) {
                                try Task.checkCancellation()
                                continuation.yield(ChoiceEvent(index: choice.index, event: event))
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
