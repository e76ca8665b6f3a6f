import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops a tier when the server dies without stopping it (`kill -9`, a crash, the OOM killer),
/// so a GPU server started for a tier never outlives the fleet that would have scaled it to zero.
///
/// A small shell in a process group of its own blocks reading a socket whose other end only
/// the server holds. On a normal stop the server ends the tier itself, then writes `released`
/// and the guard exits. If the server dies first, the kernel closes its end and the guard reads
/// end-of-file: it runs the tier's `wake.stop` command (for daemons that left the command's
/// process group, as `docker start` does; 30 s at most), then sends SIGTERM to the wake
/// command's group and SIGKILL 10 s later to whatever is left. (`PR_SET_PDEATHSIG` is not an
/// option: it fires when the spawning *thread* exits, and the server's threads come and go.)
final class GroupGuard: Sendable {
    private let serverEnd: Mutex<Int32?>
    private let process: ChildProcess

    /// `$0` is the group to watch; the stop command, if any, is in SWITCHYARD_GUARD_STOP.
    private static let script = """
        IFS= read -r word || word=
        [ "$word" = released ] && exit 0
        if [ -n "$SWITCHYARD_GUARD_STOP" ]; then
            /bin/sh -c "$SWITCHYARD_GUARD_STOP" </dev/null >/dev/null 2>&1 &
            stopper=$!; i=0
            while [ $i -lt 300 ] && kill -0 $stopper 2>/dev/null; do sleep 0.1; i=$((i+1)); done
            kill -KILL $stopper 2>/dev/null
        fi
        kill -TERM -"$0" 2>/dev/null || exit 0
        kill -CONT -"$0" 2>/dev/null
        i=0
        while [ $i -lt 100 ] && kill -0 -"$0" 2>/dev/null; do sleep 0.1; i=$((i+1)); done
        kill -KILL -"$0" 2>/dev/null
        exit 0
        """

    private init(serverEnd: Int32, process: ChildProcess) {
        self.serverEnd = Mutex(serverEnd)
        self.process = process
    }

    /// Starts a guard over process group `group`, which runs `stopCommand` (with `environment`)
    /// first if the server dies.
    static func start(watching group: pid_t, stopCommand: String?, environment: [String: String]) throws(ChildProcess.SpawnError)
        -> GroupGuard
    {
        // A socket, not a pipe: writing `released` to a guard that is already gone must not
        // raise SIGPIPE in the server (send with MSG_NOSIGNAL).
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw ChildProcess.SpawnError(description: "cannot create a socket pair: \(String(cString: strerror(errno)))")
        }
        defer { close(ends[0]) }
        var environment = environment
        environment["SWITCHYARD_GUARD_STOP"] = stopCommand ?? ""
        // `sh -c SCRIPT GROUP` takes its first operand as $0.
        let command = "exec /bin/sh -c '\(script)' \(group)"
        do {
            let process = try ChildProcess.spawn(command: command, environment: environment, outputPrefix: nil, standardInput: ends[0])
            return GroupGuard(serverEnd: ends[1], process: process)
        } catch {
            close(ends[1])
            throw error
        }
    }

    /// The tier was stopped normally: the guard exits without doing anything.
    func release() {
        serverEnd.withLock { descriptor in
            guard let open = descriptor else { return }
            let word = Array("released\n".utf8)
            _ = word.withUnsafeBytes { send(open, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(open)
            descriptor = nil
        }
    }

    /// The server lets go of the tier without stopping it: the guard stops it, as if the
    /// server had died.
    func abandon() {
        serverEnd.withLock { descriptor in
            if let open = descriptor { close(open) }
            descriptor = nil
        }
    }

    deinit {
        release()
    }
}
