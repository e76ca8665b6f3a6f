import Fleet
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A scripted waker that counts its calls: each wake follows the next behaviour (the last repeats).
final class ScriptedWaker: TierWaker {
    enum Behaviour: Sendable {
        /// Ready after this long.
        case succeed(after: Duration)
        /// Throws `reason` after this long.
        case fail(String, after: Duration)
        /// Ready when `open()` is called (cancellable while waiting).
        case gate
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let behaviours: [Behaviour]
    private let calls = Mutex((wakes: 0, stops: 0, cancelledWakes: 0))
    private let opened = Atomic<Bool>(false)

    init(_ behaviours: [Behaviour]) {
        self.behaviours = behaviours
    }

    var wakes: Int { calls.withLock { $0.wakes } }
    var stops: Int { calls.withLock { $0.stops } }
    var cancelledWakes: Int { calls.withLock { $0.cancelledWakes } }

    func open() { opened.store(true, ordering: .releasing) }

    func wake() async throws {
        let index = calls.withLock { calls in
            calls.wakes += 1
            return calls.wakes - 1
        }
        let behaviour = behaviours[min(index, behaviours.count - 1)]
        do {
            switch behaviour {
            case .succeed(let delay):
                try await Task.sleep(for: delay)
            case .fail(let reason, let delay):
                try await Task.sleep(for: delay)
                throw Failure(description: reason)
            case .gate:
                while !opened.load(ordering: .acquiring) {
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
        } catch is CancellationError {
            calls.withLock { $0.cancelledWakes += 1 }
            throw CancellationError()
        }
    }

    func stop() async {
        calls.withLock { $0.stops += 1 }
    }
}

enum TierTestSupport {
    static let logger = Logger(label: "switchyard.tests.tiers")

    static func tier(
        _ waker: any TierWaker, idleTimeout: Duration? = nil, budget: Duration = .seconds(120),
        hardCap: Duration = .seconds(240)
    ) -> Tier {
        Tier(
            name: "t", models: ["m"],
            settings: TierSettings(idleTimeout: idleTimeout, wakeBudget: budget, wakeHardCap: hardCap),
            waker: waker, logger: logger)
    }

    /// Polls `condition` until it holds or `limit` passes (generous: the machine is loaded).
    static func eventually(
        within limit: Duration = .seconds(30), _ condition: @Sendable () async -> Bool
    ) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return await condition()
    }

    /// Whether `pid` is a running (not zombie) process.
    static func isRunning(_ pid: Int32) -> Bool {
        if kill(pid, 0) != 0 && errno == ESRCH { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }

    /// A TCP port nothing listens on now (bound to port 0, then released).
    static func freePort() -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-tier-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
