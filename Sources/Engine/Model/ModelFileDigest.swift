import Crypto
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The SHA-256 of a model file (its `system_fingerprint` comes from it), computed once per
/// file version: hashing a GGUF reads all of it (seconds for a large model), and a tier that
/// wakes loads the same file again and again. A version is the path with its size and
/// modification time; a file rewritten in place changes them, so it is hashed again.
enum ModelFileDigest {
    private struct Version: Equatable {
        var size: Int64
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int
    }

    private static let known = Mutex<[String: (version: Version, digest: String)]>([:])

    /// The hex SHA-256 of `bytes`, the contents of the file at `path`.
    static func sha256(path: String, bytes: UnsafeRawBufferPointer) -> String {
        let version = version(of: path)
        if let version, let entry = known.withLock({ $0[path] }), entry.version == version {
            return entry.digest
        }
        let digest = SHA256.hash(data: bytes).hexString
        if let version { known.withLock { $0[path] = (version, digest) } }
        return digest
    }

    private static func version(of path: String) -> Version? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let modified = info.st_mtimespec
        #else
        let modified = info.st_mtim
        #endif
        return Version(size: Int64(info.st_size), modifiedSeconds: Int(modified.tv_sec), modifiedNanoseconds: Int(modified.tv_nsec))
    }
}
