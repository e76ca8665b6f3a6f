import Foundation
import ModelStore

/// Turns a pull's progress reports into progress bars and log lines on standard error:
/// one bar per phase (download, extraction, verification), the downloader's own output
/// shown indented above it.
final class PullProgressView: @unchecked Sendable {
    private enum Phase: Equatable {
        case downloading, extracting, verifying
    }

    private let enabled: Bool
    private let lock = NSLock()
    private var phase: Phase?
    private var bar: ProgressBar?

    init(enabled: Bool) {
        self.enabled = enabled
    }

    func show(_ progress: PullProgress) {
        guard enabled else { return }
        lock.withLock {
            switch progress {
            case .downloading(let package, let received, let expected):
                bar(for: .downloading, title: "Downloading \(package)").update(completed: received, total: expected)
            case .extracting(let file, let completed, let total):
                bar(for: .extracting, title: "Extracting and verifying \(file)").update(completed: completed, total: total)
            case .verifying(let file, let completed, let total):
                bar(for: .verifying, title: "Verifying \(file)").update(completed: completed, total: total)
            case .message(let text):
                let line = "  " + text.trimmingCharacters(in: .whitespaces)
                if let bar { bar.log(line) } else { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            }
        }
    }

    /// Closes the current bar, leaving its final state on screen.
    func finish() {
        lock.withLock {
            bar?.finish()
            bar = nil
        }
    }

    /// Clears the current bar (the pull failed; the error follows).
    func abandon() {
        lock.withLock {
            bar?.clear()
            bar = nil
        }
    }

    private func bar(for next: Phase, title: String) -> ProgressBar {
        if phase == next, let bar { return bar }
        bar?.finish()
        let created = ProgressBar(title: title, unit: .bytes)
        phase = next
        bar = created
        return created
    }
}
