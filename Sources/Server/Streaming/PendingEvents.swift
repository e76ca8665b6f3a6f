/// A generation's event stream whose first event can be awaited before the response starts.
/// Used by one task at a time (the handler, then the response body writer).
final class PendingEvents: @unchecked Sendable {
    private var iterator: AsyncThrowingStream<ChoiceEvent, any Error>.AsyncIterator
    private var first: ChoiceEvent?
    private var finished = false

    init(_ events: AsyncThrowingStream<ChoiceEvent, any Error>) {
        iterator = events.makeAsyncIterator()
    }

    /// Waits for the first event; throws what the generation throws before it.
    func prefetch() async throws {
        first = try await iterator.next()
        finished = first == nil
    }

    func next() async throws -> ChoiceEvent? {
        if let event = first {
            first = nil
            return event
        }
        if finished { return nil }
        return try await iterator.next()
    }
}
