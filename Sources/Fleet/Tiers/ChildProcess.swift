import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A shell command run in a process group of its own, so that it and everything it starts can
/// be signalled together. Its output is read line by line on threads of its own (passed on to
/// the server's stderr with a prefix, and the last lines kept for error messages), and it is
/// reaped by a thread of its own as soon as it exits, so it never lingers as a zombie.
final class ChildProcess: Sendable {
    enum ExitStatus: Equatable, Sendable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        var description: String {
            switch self {
            case .exited(let code): "status \(code)"
            case .signalled(let signal): "signal \(signal)"
            }
        }
    }

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    /// The shell's pid, which is also the process group's id.
    let pid: pid_t
    private let state = Mutex(State())
    private static let keptLines = 20

    private struct State {
        var exitStatus: ExitStatus?
        var lastLines: [String] = []
        var lastErrorLine: String?
        /// Output pipes not yet at end of file.
        var openOutputs = 2
    }

    private init(pid: pid_t) {
        self.pid = pid
    }

    /// Starts `/bin/sh -c command` with the server's environment plus `environment`.
    /// - Parameters:
    ///   - outputPrefix: each output line goes to stderr with this prefix; nil keeps it quiet.
    ///   - standardInput: a descriptor to read as stdin (the caller keeps and closes its own
    ///     copy); nil reads /dev/null.
    static func spawn(
        command: String, environment: [String: String], outputPrefix: String?, standardInput: Int32? = nil
    ) throws(SpawnError) -> ChildProcess {
        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        guard makePipe(&outputPipe) else { throw SpawnError(description: "cannot create a pipe: \(errnoText())") }
        guard makePipe(&errorPipe) else {
            close(outputPipe[0])
            close(outputPipe[1])
            throw SpawnError(description: "cannot create a pipe: \(errnoText())")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let standardInput {
            posix_spawn_file_actions_adddup2(&actions, standardInput, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)
        // Descriptors the server opened without close-on-exec (sockets) must not leak into it
        // (closing one that is gone by then is not an error).
        for descriptor in openDescriptors() where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group (id = its pid); every signal unblocked and at its default
        // action, whatever the spawning thread blocks or the server ignores.
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        sigdelset(&allSignals, SIGKILL)
        sigdelset(&allSignals, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let words: [String] = ["/bin/sh", "-c", command]
        let arguments = words.map { strdup($0) }
        let variables = merged.map { strdup("\($0.key)=\($0.value)") }
        defer {
            for pointer in arguments { free(pointer) }
            for pointer in variables { free(pointer) }
        }
        var pid = pid_t()
        let result = (arguments + [nil]).withUnsafeBufferPointer { argv in
            (variables + [nil]).withUnsafeBufferPointer { envp in
                guard let argv = argv.baseAddress, let envp = envp.baseAddress else { return EINVAL }
                return posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp)
            }
        }
        close(outputPipe[1])
        close(errorPipe[1])
        guard result == 0 else {
            close(outputPipe[0])
            close(errorPipe[0])
            throw SpawnError(description: "cannot start /bin/sh: \(String(cString: strerror(result)))")
        }
        let child = ChildProcess(pid: pid)
        child.startReading(outputPipe[0], isError: false, prefix: outputPrefix)
        child.startReading(errorPipe[0], isError: true, prefix: outputPrefix)
        child.startReaping()
        return child
    }

    // MARK: - State

    var exitStatus: ExitStatus? { state.withLock { $0.exitStatus } }

    /// The last output lines (stdout and stderr), oldest first.
    var lastLines: [String] { state.withLock { $0.lastLines } }

    /// The last non-empty line on stderr, else the last output line.
    var lastErrorLine: String? { state.withLock { $0.lastErrorLine ?? $0.lastLines.last } }

    /// Waits for the shell to exit (polling, so that cancellation ends the wait at once).
    func waitForExit() async throws -> ExitStatus {
        while true {
            if let status = exitStatus { return status }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Waits until its output is read to the end (a background process that keeps the pipes
    /// open is not waited for longer than `limit`).
    func waitForOutput(within limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while state.withLock({ $0.openOutputs > 0 }) && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Whether any process of the group is still running (zombies not counted).
    var isGroupAlive: Bool {
        if kill(-pid, 0) != 0 && errno == ESRCH { return false }
        #if os(Linux)
        // Members that exited but were not yet reaped by their new parent still "exist".
        return Self.groupHasLiveMember(pid)
        #else
        return true
        #endif
    }

    /// Signals every process of the group.
    func signalGroup(_ signal: Int32) {
        _ = kill(-pid, signal)
    }

    /// SIGTERM to the group, then SIGKILL when something is still running after `grace`;
    /// returns once the shell is reaped and the group is gone (or after a last short wait).
    func terminate(grace: Duration) async {
        if exitStatus != nil && !isGroupAlive { return }
        signalGroup(SIGTERM)
        signalGroup(SIGCONT)
        if await waitUntilGone(within: grace) { return }
        signalGroup(SIGKILL)
        _ = await waitUntilGone(within: .seconds(5))
    }

    /// SIGKILL to the group, without waiting (for `deinit`s).
    func killNow() {
        signalGroup(SIGKILL)
    }

    private func waitUntilGone(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if exitStatus != nil && !isGroupAlive { return true }
            // Not cancellable: a stop must finish even when its caller was cancelled.
            try? await Task.sleep(for: .milliseconds(50))
        }
        return exitStatus != nil && !isGroupAlive
    }

    // MARK: - Threads

    private func startReaping() {
        let pid = pid
        let thread = Thread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 {
                if errno != EINTR {
                    // Reaped elsewhere: the status is unknown.
                    state.withLock { $0.exitStatus = .exited(-1) }
                    return
                }
            }
            let signal = status & 0x7f
            let exit: ExitStatus = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
            state.withLock { $0.exitStatus = exit }
        }
        thread.name = "switchyard.child-reaper"
        thread.start()
    }

    private func startReading(_ descriptor: Int32, isError: Bool, prefix: String?) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 16384)
            var pending: [UInt8] = []
            func emit(_ bytes: ArraySlice<UInt8>) {
                var line = String(decoding: bytes, as: UTF8.self)
                while line.hasSuffix("\r") { line.removeLast() }
                if let prefix {
                    let text = Array((prefix + line + "\n").utf8)
                    text.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
                }
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                state.withLock { state in
                    state.lastLines.append(line)
                    if state.lastLines.count > Self.keptLines { state.lastLines.removeFirst() }
                    if isError && !trimmed.isEmpty { state.lastErrorLine = trimmed }
                }
            }
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                pending.append(contentsOf: buffer[0..<count])
                while let end = pending.firstIndex(of: 10) {
                    emit(pending[pending.startIndex..<end])
                    pending.removeSubrange(pending.startIndex...end)
                }
                if pending.count > 65536 {
                    emit(pending[...])
                    pending.removeAll()
                }
            }
            if !pending.isEmpty { emit(pending[...]) }
            close(descriptor)
            state.withLock { $0.openOutputs -= 1 }
        }
        thread.name = "switchyard.child-output"
        thread.start()
    }

    #if os(Linux)
    /// Scans /proc for a process in group `group` that is not a zombie.
    private static func groupHasLiveMember(_ group: pid_t) -> Bool {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return true }
        for entry in entries where entry.first?.isNumber == true {
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // After "pid (comm) ": state, ppid, pgrp, ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, let pgrp = Int32(fields[2]) else { continue }
            if pgrp == group && fields[0] != "Z" && fields[0] != "X" { return true }
        }
        return false
    }
    #endif

    private static func errnoText() -> String { String(cString: strerror(errno)) }

    /// A pipe whose ends close on exec (the child gets copies through dup2).
    private static func makePipe(_ descriptors: inout [Int32]) -> Bool {
        guard pipe(&descriptors) == 0 else { return false }
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        return true
    }

    /// The descriptors open in this process (from /proc/self/fd; none where that is missing).
    private static func openDescriptors() -> [Int32] {
        #if os(Linux)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.compactMap { Int32($0) }
        #else
        return []
        #endif
    }
}
