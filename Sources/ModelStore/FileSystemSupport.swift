import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Small file-system operations with errors turned into `ModelStoreError`.
enum FileSystemSupport {
    /// Creates `directory` and its parents if missing.
    static func createDirectory(_ directory: URL) throws(ModelStoreError) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw classify(error, operation: "create the directory", path: directory.path)
        }
    }

    /// The size of the regular file at `url`, or nil when there is none.
    static func regularFileSize(_ url: URL) -> Int64? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
            attributes[.type] as? FileAttributeType == .typeRegular
        else { return nil }
        return (attributes[.size] as? NSNumber)?.int64Value
    }

    /// Free bytes on the volume holding `url`, or nil when the system will not say.
    static func availableBytes(at url: URL) -> Int64? {
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: url.path) else { return nil }
        return (attributes[.systemFreeSize] as? NSNumber)?.int64Value
    }

    /// Throws `.insufficientSpace` when the volume holding `directory` has fewer than `bytes` free.
    static func requireSpace(_ bytes: Int64, in directory: URL) throws(ModelStoreError) {
        guard let available = availableBytes(at: directory) else { return }
        if available < bytes {
            throw .insufficientSpace(path: directory.path, neededBytes: bytes, availableBytes: available)
        }
    }

    /// Atomically replaces `destination` with `source` (both on one volume): readers see the
    /// old file or the new one, never a part.
    static func atomicRename(_ source: URL, to destination: URL) throws(ModelStoreError) {
        if rename(source.path, destination.path) != 0 {
            let reason = String(cString: strerror(errno))
            throw .fileSystem(operation: "move the verified file into place at", path: destination.path, reason: reason)
        }
    }

    /// Removes `url` if present, ignoring failures (used on clean-up paths).
    static func removeQuietly(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
    }

    /// Whether a process with this id is running (an interrupted pull's files are stale once
    /// the process that wrote them is gone).
    static func processIsAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// Turns a Foundation error into a store error, recognising a full disk.
    static func classify(_ error: any Error, operation: String, path: String) -> ModelStoreError {
        if isOutOfSpace(error) {
            return .insufficientSpace(path: path, neededBytes: nil, availableBytes: nil)
        }
        return .fileSystem(operation: operation, path: path, reason: reason(error))
    }

    static func isOutOfSpace(_ error: any Error) -> Bool {
        if let cocoa = error as? CocoaError, cocoa.code == .fileWriteOutOfSpace { return true }
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain, nsError.code == Int(ENOSPC) { return true }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError {
            return underlying.domain == NSPOSIXErrorDomain && underlying.code == Int(ENOSPC)
        }
        return false
    }

    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain, let code = Int32(exactly: underlying.code)
        {
            return String(cString: strerror(code))
        }
        return nsError.localizedDescription
    }
}
