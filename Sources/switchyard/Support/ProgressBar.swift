import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A progress line on standard error for long work: on a terminal, a bar redrawn in place
/// (`Extracting  [#######-------]  41.2/98.4 MB  42%`), or a spinner with the byte count when
/// the total is unknown; elsewhere (CI logs, pipes), an occasional plain line instead.
///
/// Safe to update from any thread; updates are throttled, so callers may report often.
final class ProgressBar: @unchecked Sendable {
    private let title: String
    private let interactive: Bool
    private let width = 28
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    private var lastPlainLine = Date.distantPast
    private var lastPlainDecile = -1
    private var spinnerStep = 0
    private var lineIsDrawn = false
    private var last: (completed: Int64, total: Int64?) = (0, nil)
    private var finished = false

    /// - Parameter interactive: redraw in place; defaults to whether standard error is a terminal.
    init(title: String, interactive: Bool = ProgressBar.standardErrorIsTerminal) {
        self.title = title
        self.interactive = interactive
    }

    /// Whether standard error is a terminal that understands carriage-return redraws.
    static var standardErrorIsTerminal: Bool {
        isatty(STDERR_FILENO) != 0 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// Records progress: `completed` of `total` bytes, or of an unknown total when nil.
    func update(completed: Int64, total: Int64?) {
        lock.withLock {
            guard !finished else { return }
            last = (completed, total)
            let now = Date()
            if interactive {
                let done = total.map { completed >= $0 } ?? false
                guard done || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
                lastDraw = now
                spinnerStep += 1
                redraw(render(completed: completed, total: total))
            } else {
                // A line per tenth of the work, or every 10 s while the size is unknown.
                let decile = total.flatMap { $0 > 0 ? Int(min(completed, $0) * 10 / $0) : nil }
                if let decile, decile > lastPlainDecile {
                    lastPlainDecile = decile
                } else if now.timeIntervalSince(lastPlainLine) < 10 {
                    return
                }
                lastPlainLine = now
                write(render(completed: completed, total: total) + "\n")
            }
        }
    }

    /// Prints a line of text above the bar (the bar is redrawn under it).
    func log(_ line: String) {
        lock.withLock {
            if interactive, lineIsDrawn {
                write("\r\u{1B}[2K" + line + "\n")
                lineIsDrawn = false
                redraw(render(completed: last.completed, total: last.total))
            } else {
                write(line + "\n")
            }
        }
    }

    /// Ends the bar: leaves its last state (or `summary`) on a line of its own.
    func finish(_ summary: String? = nil) {
        lock.withLock {
            guard !finished else { return }
            finished = true
            let text = summary ?? render(completed: last.completed, total: last.total)
            if interactive {
                write("\r\u{1B}[2K" + text + "\n")
            } else if summary != nil || lastPlainDecile < 10 {
                write(text + "\n")
            }
            lineIsDrawn = false
        }
    }

    /// Ends the bar without a summary, clearing a drawn line (used when the work failed).
    func abandon() {
        lock.withLock {
            guard !finished else { return }
            finished = true
            if interactive, lineIsDrawn { write("\r\u{1B}[2K") }
            lineIsDrawn = false
        }
    }

    private func redraw(_ text: String) {
        write("\r\u{1B}[2K" + text)
        lineIsDrawn = true
    }

    private func render(completed: Int64, total: Int64?) -> String {
        guard let total, total > 0 else {
            let frames = Array("|/-\\")
            let spinner = interactive ? "\(frames[spinnerStep % frames.count]) " : ""
            return "\(title)  \(spinner)\(Self.megabytes(completed))"
        }
        let fraction = Double(min(completed, total)) / Double(total)
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let percent = Int(fraction * 100)
        return "\(title)  [\(bar)]  \(Self.megabytes(completed, unit: false))/\(Self.megabytes(total))  \(percent)%"
    }

    /// Decimal megabytes with one decimal place, as pip shows sizes.
    static func megabytes(_ bytes: Int64, unit: Bool = true) -> String {
        let tenths = (bytes + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10)" + (unit ? " MB" : "")
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
