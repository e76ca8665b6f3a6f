import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Ends a wake command's process group when the server dies without stopping it (`kill -9`,
/// a crash, the OOM killer), so a GPU server started for a tier never outlives the fleet that
/// would have scaled it to zero.
///
/// A small shell in a process group of its own blocks reading a pipe whose only writer is the
/// server. The kernel closes that end when the server exits however it exits; the guard then
/// sends SIGTERM to the watched group and SIGKILL 10 s later if anything is left. On a normal
/// stop the server ends the group itself, then `release()` closes the pipe and the guard,
/// finding no group, exits. (`PR_SET_PDEATHSIG` is not an option: it fires when the spawning
/// *thread* exits, and the server's threads come and go.)
final class GroupGuard: Sendable {
    private let writeEnd: Mutex<Int32?>
    private let process: ChildProcess

    private static let script = """
        read -r _ || true
        kill -TERM -"$0" 2>/dev/null || exit 0
        kill -CONT -"$0" 2>/dev/null
        i=0
        while [ $i -lt 100 ] && kill -0 -"$0" 2>/dev/null; do sleep 0.1; i=$((i+1)); done
        kill -KILL -"$0" 2>/dev/null
        exit 0
        """

    private init(writeEnd: Int32, process: ChildProcess) {
        self.writeEnd = Mutex(writeEnd)
        self.process = process
    }

    /// Starts a guard over process group `group`.
    static func start(watching group: pid_t) throws(ChildProcess.SpawnError) -> GroupGuard {
        var ends: [Int32] = [-1, -1]
        guard ChildProcess.makePipe(&ends) else {
            throw ChildProcess.SpawnError(description: "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        defer { close(ends[0]) }
        // `sh -c SCRIPT` takes its first operand as $0: the group to watch.
        let command = "exec /bin/sh -c '\(script)' \(group)"
        do {
            let process = try ChildProcess.spawn(command: command, environment: [:], outputPrefix: nil, standardInput: ends[0])
            return GroupGuard(writeEnd: ends[1], process: process)
        } catch {
            close(ends[1])
            throw error
        }
    }

    /// The group was stopped normally: let the guard go.
    func release() {
        writeEnd.withLock { descriptor in
            if let open = descriptor { close(open) }
            descriptor = nil
        }
    }

    deinit {
        release()
    }
}
