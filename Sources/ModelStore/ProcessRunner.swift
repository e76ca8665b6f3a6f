import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a subprocess to completion on the calling (non-cooperative) thread, passing each line
/// of its combined output to a callback and keeping the last few kilobytes for error messages.
enum ProcessRunner {
    struct Outcome: Sendable {
        var status: Int32
        var output: String
    }

    private static let keptOutputBytes = 8192

    /// - Throws: `.cancelled` when `cancellation` fires (the process is terminated first);
    ///   `.fileSystem` when the executable cannot be started.
    static func run(
        _ executable: URL, arguments: [String], environment: [String: String],
        cancellation: CancellationFlag, onLine: (String) -> Void
    ) throws(ModelStoreError) -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        // A child inherits the spawning thread's signal mask, and this thread descends from a
        // pool thread that blocks signals: unblock them around the spawn so that Ctrl-C
        // reaches the child too.
        // Cancelled before the child exists (a slow start-up under load): do not start it at all.
        try cancellation.throwIfCancelled()
        var previousMask = sigset_t()
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        pthread_sigmask(SIG_SETMASK, &emptyMask, &previousMask)
        let started = Result { try process.run() }
        pthread_sigmask(SIG_SETMASK, &previousMask, nil)
        if case .failure(let error) = started {
            throw .fileSystem(operation: "run", path: executable.path, reason: "\(error)")
        }
        let handle = ProcessHandle(process)
        cancellation.whenCancelled { handle.forceStop() }

        // Poll rather than read to end-of-file: a grandchild that inherited the pipe must not
        // keep us waiting after the process itself has exited.
        let descriptor = pipe.fileHandleForReading.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 65536)
        var pending = Data()
        var kept = Data()
        func emit(_ line: Data) {
            guard !line.isEmpty else { return }
            onLine(String(decoding: line, as: UTF8.self))
            kept.append(line)
            kept.append(10)
            if kept.count > keptOutputBytes { kept.removeFirst(kept.count - keptOutputBytes) }
        }
        while true {
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&request, 1, 200)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 {
                if process.isRunning { continue }
                break  // exited, and nothing more arrived
            }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            if count <= 0 { break }  // end of output
            pending.append(contentsOf: buffer[0..<count])
            while let end = pending.firstIndex(where: { $0 == 10 || $0 == 13 }) {
                emit(pending[pending.startIndex..<end])
                pending.removeSubrange(pending.startIndex...end)
            }
        }
        emit(pending)
        process.waitUntilExit()
        try cancellation.throwIfCancelled()
        return Outcome(status: process.terminationStatus, output: String(decoding: kept, as: UTF8.self))
    }
}

/// Lets the cancellation handler, on another thread, stop the process.
private final class ProcessHandle: @unchecked Sendable {
    private let process: Process

    init(_ process: Process) {
        self.process = process
    }

    /// SIGKILL, not SIGTERM: a child inherits ignored signals (a server ignores SIGTERM to
    /// handle it itself), and nothing of pip's needs cleaning up, as its files all live in
    /// the store's work folder, which the store removes.
    func forceStop() {
        if process.isRunning { _ = kill(process.processIdentifier, SIGKILL) }
    }
}
