import Foundation

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
        do {
            try process.run()
        } catch {
            throw .fileSystem(operation: "run", path: executable.path, reason: "\(error)")
        }
        let handle = ProcessHandle(process)
        cancellation.whenCancelled { handle.terminate() }

        let reader = pipe.fileHandleForReading
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
            let data = reader.availableData  // blocks; empty at end of output
            if data.isEmpty { break }
            pending.append(data)
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

/// Lets the cancellation handler, on another thread, terminate the process.
private final class ProcessHandle: @unchecked Sendable {
    private let process: Process

    init(_ process: Process) {
        self.process = process
    }

    func terminate() {
        if process.isRunning { process.terminate() }
    }
}
