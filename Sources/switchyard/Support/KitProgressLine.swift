import Cutover
import Foundation

/// A minimal one-line progress display on stderr for the kit commands; silent when stderr
/// is not a terminal or when disabled (e.g. `--json`).
/// Note for merging: `ProgressBar` (Support/ProgressBar.swift, from branch `store`) renders byte
/// counts in MB; this one counts requests. Given a count mode there, this file can go.
final class KitProgressLine: @unchecked Sendable {
    private let enabled: Bool
    /// Guarded by `lock`.
    private var lastWidth = 0
    private let lock = NSLock()

    init(enabled: Bool = true) {
        self.enabled = enabled && isatty(2) == 1
    }

    /// The handler to pass to the kit's runners.
    var handler: ProgressHandler {
        { [self] update in self.render(update) }
    }

    func render(_ update: ProgressUpdate) {
        guard enabled else { return }
        let width = 24
        let filled = update.total > 0 ? min(width, width * update.completed / update.total) : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = "\r[\(bar)] \(update.completed)/\(update.total) \(update.label)"
        lock.withLock {
            let pad = max(0, lastWidth - line.count)
            lastWidth = line.count
            FileHandle.standardError.write(Data((line + String(repeating: " ", count: pad)).utf8))
        }
    }

    /// Clears the line before the final output.
    func finish() {
        guard enabled else { return }
        lock.withLock {
            FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: lastWidth) + "\r").utf8))
        }
    }
}
