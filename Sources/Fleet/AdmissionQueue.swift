import Synchronization

/// A bounded, fair queue in front of a model: at most `maxActive` requests run at once, at
/// most `maxWaiting` wait, and waiting clients are served round-robin (one request per client
/// in turn, first come first served within a client), so one busy client cannot starve others.
public final class AdmissionQueue: Sendable {
    public let maxActive: Int
    public let maxWaiting: Int

    private struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var active = 0
        var waiting = 0
        var nextID = 0
        /// Waiters per client, and the clients in round-robin order.
        var queues: [String: [Waiter]] = [:]
        var order: [String] = []
        /// Waiters cancelled before they were enqueued.
        var cancelledEarly: Set<Int> = []
    }

    private let state = Mutex(State())

    public init(maxActive: Int, maxWaiting: Int) {
        self.maxActive = max(1, maxActive)
        self.maxWaiting = max(0, maxWaiting)
    }

    /// Requests waiting for a slot.
    public var waiting: Int { state.withLock { $0.waiting } }
    /// Requests holding a slot.
    public var active: Int { state.withLock { $0.active } }
    /// Whether a request arriving now would wait for a slot (rather than run at once or be refused).
    public var wouldWait: Bool {
        state.withLock { state in (state.active >= maxActive || state.waiting > 0) && state.waiting < maxWaiting }
    }

    /// Waits for a slot for `client`. Throws `FleetError.queueFull` at once when the queue is
    /// full, and `CancellationError` when the waiting task is cancelled.
    public func acquire(client: String) async throws -> AdmissionTicket {
        let reservation: Int? = try state.withLock { (state: inout State) throws(FleetError) -> Int? in
            if state.active < maxActive, state.waiting == 0 {
                state.active += 1
                return nil
            }
            guard state.waiting < maxWaiting else {
                throw FleetError.queueFull(retryAfterSeconds: 1 + state.waiting / maxActive)
            }
            state.waiting += 1
            state.nextID += 1
            return state.nextID
        }
        guard let id = reservation else { return AdmissionTicket(queue: self) }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { state in
                    if state.cancelledEarly.remove(id) != nil {
                        state.waiting -= 1
                        return true
                    }
                    if state.queues[client] == nil {
                        state.queues[client] = []
                        state.order.append(client)
                    }
                    state.queues[client]?.append(Waiter(id: id, continuation: continuation))
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                for (key, waiters) in state.queues {
                    if let index = waiters.firstIndex(where: { $0.id == id }) {
                        let waiter = waiters[index]
                        state.queues[key]?.remove(at: index)
                        if state.queues[key]?.isEmpty == true {
                            state.queues[key] = nil
                            state.order.removeAll { $0 == key }
                        }
                        state.waiting -= 1
                        return waiter.continuation
                    }
                }
                // Not enqueued yet (or already admitted): mark it so enqueueing fails at once.
                state.cancelledEarly.insert(id)
                return nil
            }
            continuation?.resume(throwing: CancellationError())
        }
        // Admitted after its turn; a cancellation that arrived after admission is harmless.
        state.withLock { $0.cancelledEarly.remove(id) }
        return AdmissionTicket(queue: self)
    }

    /// A slot at once, when a request arriving now would run without waiting; `nil` otherwise
    /// (the caller then waits with `acquire`).
    public func tryAcquire() -> AdmissionTicket? {
        let admitted = state.withLock { state -> Bool in
            guard state.active < maxActive, state.waiting == 0 else { return false }
            state.active += 1
            return true
        }
        return admitted ? AdmissionTicket(queue: self) : nil
    }

    /// Frees a slot and admits the next waiter, taking clients in turn.
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard let client = state.order.first, var waiters = state.queues[client], !waiters.isEmpty else {
                state.active -= 1
                return nil
            }
            let waiter = waiters.removeFirst()
            state.order.removeFirst()
            if waiters.isEmpty {
                state.queues[client] = nil
            } else {
                state.queues[client] = waiters
                state.order.append(client)
            }
            state.waiting -= 1
            // The slot passes straight to the waiter: `active` stays the same.
            return waiter.continuation
        }
        next?.resume()
    }
}

/// A held slot of an `AdmissionQueue`. Released by `release()`, or when the ticket is
/// dropped, so a slot cannot leak when a response is abandoned.
public final class AdmissionTicket: Sendable {
    private let queue: AdmissionQueue
    private let released = Atomic(false)

    init(queue: AdmissionQueue) {
        self.queue = queue
    }

    public func release() {
        if !released.exchange(true, ordering: .acquiringAndReleasing) {
            queue.release()
        }
    }

    deinit {
        release()
    }
}
