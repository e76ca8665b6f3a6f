import NIOCore

/// A Swift concurrency `TaskExecutor` that runs its jobs on one NIO event loop.
///
/// A connection's task that prefers it (`withTaskExecutorPreference`) reads the request, runs
/// the handler (and its child tasks and default actors), talks to the upstream through
/// async-http-client (which picks a connection on the current loop) and writes the response
/// without leaving the loop's thread: no wake-up of a cooperative-pool thread and back per
/// await. Enqueuing from the loop itself only appends to its task queue (no syscall).
///
/// The handler must not block, as everywhere (blocking work goes to a thread pool); long
/// computations (the engine) run on their own threads and unstructured tasks, which do not
/// inherit the preference.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
