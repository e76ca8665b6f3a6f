import Foundation

/// Names of the temporary files and folders a pull writes next to the models, and the sweep
/// that removes those an interrupted pull left behind.
///
/// Each name carries the writing process's id, so a pull only removes files whose writer is
/// gone and never those of a pull still running in another process.
enum TemporaryFiles {
    private static let partialMarker = ".partial-"
    private static let downloadPrefix = ".download-"

    /// A hidden file beside `destination` that the extracted bytes go to before the rename.
    static func partialFile(for destination: URL) -> URL {
        destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent)\(partialMarker)\(uniqueSuffix())")
    }

    /// A hidden folder in `directory` for the downloader's files.
    static func downloadDirectory(in directory: URL) -> URL {
        directory.appendingPathComponent("\(downloadPrefix)\(uniqueSuffix())")
    }

    /// Removes the temporary files in `directory` whose writing process is no longer running;
    /// returns what it removed.
    static func removeStale(in directory: URL) -> [URL] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [URL] = []
        for name in names {
            guard let pid = writerProcessID(name) else { continue }
            if pid.map(FileSystemSupport.processIsAlive) == true { continue }
            let url = directory.appendingPathComponent(name)
            if (try? FileManager.default.removeItem(at: url)) != nil { removed.append(url) }
        }
        return removed
    }

    /// nil when `name` is not a temporary name of ours; `.some(nil)` when it is but its
    /// process id cannot be read (treated as stale).
    private static func writerProcessID(_ name: String) -> Int32?? {
        let rest: Substring
        if name.hasPrefix(downloadPrefix) {
            rest = name.dropFirst(downloadPrefix.count)
        } else if name.hasPrefix("."), let marker = name.range(of: partialMarker) {
            rest = name[marker.upperBound...]
        } else {
            return nil
        }
        return .some(rest.split(separator: "-").first.flatMap { Int32($0) })
    }

    private static func uniqueSuffix() -> String {
        let random = UInt32.random(in: 0...UInt32.max)
        return "\(ProcessInfo.processInfo.processIdentifier)-\(String(random, radix: 16))"
    }
}
