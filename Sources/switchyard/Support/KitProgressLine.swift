import Cutover
import Foundation
import Synchronization

/// A minimal one-line progress display on stderr for the kit commands; silent when stderr
/// is not a terminal or when disabled (e.g. `--json`).
/// NOTE for the lead: a fuller `ProgressBar` lives on branch `store` (Support/ProgressBar.swift);
/// this can be replaced by it when both are merged.
final class KitProgressLine: Sendable {
    private let enabled: Bool
    private let lastWidth = Mutex(0)

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
        let pad = lastWidth.withLock { last in
            defer { last = line.count }
            return max(0, last - line.count)
        }
        FileHandle.standardError.write(Data((line + String(repeating: " ", count: pad)).utf8))
    }

    /// Clears the line before the final output.
    func finish() {
        guard enabled else { return }
        let width = lastWidth.withLock { $0 }
        FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: width) + "\r").utf8))
    }
}
