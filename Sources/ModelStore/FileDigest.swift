import Crypto
import Foundation

/// Streaming SHA-256 of files, one chunk in memory at a time.
enum FileDigest {
    static let chunkSize = 1 << 20

    /// Hashes the file at `url`, reporting `(completed, total)` bytes after each chunk.
    static func sha256(
        of url: URL, cancellation: CancellationFlag, progress: (Int64, Int64) -> Void
    ) throws(ModelStoreError) -> (digest: String, byteCount: Int64) {
        let total = FileSystemSupport.regularFileSize(url) ?? 0
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw FileSystemSupport.classify(error, operation: "open", path: url.path)
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var completed: Int64 = 0
        progress(0, total)
        while true {
            try cancellation.throwIfCancelled()
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: chunkSize) ?? Data()
            } catch {
                throw FileSystemSupport.classify(error, operation: "read", path: url.path)
            }
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
            completed += Int64(chunk.count)
            progress(completed, max(total, completed))
        }
        return (hex(hasher.finalize()), completed)
    }

    /// Lowercase hex of a digest.
    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for byte in digest {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
