import NIOCore
import NIOPosix
import Synchronization

/// `Task.sleep` on a NIO event loop's timer, for the request path's watchdogs.
///
/// A cancelled `Task.sleep` keeps its timer (about 100 bytes, measured on Linux with Swift 6.3)
/// until its deadline, and a silence limit is ten minutes by default: thousands of requests a
/// second would pile up millions of timers. This one removes its timer when cancelled; its timer
/// runs on a NIO event loop (the current one when the request runs on one), not in Dispatch.
enum EventLoopSleep {
    /// Sleeps for `duration` on `eventLoop` (by default the current thread's loop, if it is one of
    /// NIO's shared loops, else the next of them). Throws `CancellationError` when cancelled.
    static func sleep(for duration: Duration, on eventLoop: (any EventLoop)? = nil) async throws {
        let loop = eventLoop ?? MultiThreadedEventLoopGroup.singleton.any()
        let sleeper = Sleeper()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let timer = loop.scheduleTask(in: UpstreamBackend.timeAmount(duration)) { sleeper.end(cancelled: false) }
                switch sleeper.start(continuation, timer: timer) {
                case .sleeping: break
                case .fired: continuation.resume()
                case .cancelled:
                    timer.cancel()
                    continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            sleeper.end(cancelled: true)
        }
    }

    /// The sleeping continuation and its timer; whichever of the timer and the cancellation comes
    /// first resumes it, once.
    private final class Sleeper: Sendable {
        private enum State {
            case initial
            case sleeping(CheckedContinuation<Void, any Error>, Scheduled<Void>)
            case cancelledEarly
            case firedEarly
            case ended
        }

        enum Start {
            case sleeping, fired, cancelled
        }

        private let state = Mutex(State.initial)

        /// What came before the sleep began, if anything: the timer or the cancellation.
        func start(_ continuation: CheckedContinuation<Void, any Error>, timer: Scheduled<Void>) -> Start {
            state.withLock { state in
                switch state {
                case .initial:
                    state = .sleeping(continuation, timer)
                    return .sleeping
                case .firedEarly:
                    state = .ended
                    return .fired
                case .cancelledEarly, .sleeping, .ended:
                    state = .ended
                    return .cancelled
                }
            }
        }

        func end(cancelled: Bool) {
            let sleeping = state.withLock { state -> (CheckedContinuation<Void, any Error>, Scheduled<Void>)? in
                switch state {
                case .initial:
                    state = cancelled ? .cancelledEarly : .firedEarly
                    return nil
                case .sleeping(let continuation, let timer):
                    state = .ended
                    return (continuation, timer)
                case .cancelledEarly, .firedEarly, .ended:
                    return nil
                }
            }
            guard let (continuation, timer) = sleeping else { return }
            if cancelled {
                timer.cancel()
                continuation.resume(throwing: CancellationError())
            } else {
                continuation.resume()
            }
        }
    }
}
