/// Several wakers as one: woken in order (an external server first, then embedded models),
/// stopped in reverse.
public struct CompositeWaker: TierWaker {
    public let wakers: [any TierWaker]

    public init(_ wakers: [any TierWaker]) {
        self.wakers = wakers
    }

    public func wake() async throws {
        for waker in wakers {
            try Task.checkCancellation()
            try await waker.wake()
        }
    }

    public func stop() async {
        for waker in wakers.reversed() {
            await waker.stop()
        }
    }

    public func shutdown() async {
        for waker in wakers.reversed() {
            await waker.shutdown()
        }
    }
}
