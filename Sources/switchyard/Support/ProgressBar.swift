import Cutover
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one progress line of the CLI, for pulls (bytes) and the migration kit (requests, cases,
/// features): `Probing llama  [########--------]  6/19  0:42  stream_envelope`, redrawn in place
/// on standard error.
///
/// It shows only when both standard output and standard error are terminals: piped or
/// redirected output (CI logs, `--json > file`) gets no progress at all, only the result.
/// Safe to update from any thread; redraws are throttled, so callers may report often.
final class ProgressBar: @unchecked Sendable {
    enum Unit: Sendable {
        /// Decimal megabytes, with a spinner while the total is unknown.
        case bytes
        /// Plain counts ("6/19").
        case count
    }

    private let title: String
    private let unit: Unit
    private let visible: Bool
    private let width = 24
    private let started = Date()
    private let lock = NSLock()
    /// The state below is guarded by `lock`.
    private var lastDraw = Date.distantPast
    private var spinnerStep = 0
    private var lineIsDrawn = false
    private var last: (completed: Int64, total: Int64?, label: String) = (0, nil, "")
    private var finished = false

    /// - Parameters:
    ///   - enabled: false hides the line whatever the terminal (`--quiet`, `--json`).
    ///   - visible: overrides the terminal check (tests).
    init(title: String, unit: Unit = .count, enabled: Bool = true, visible: Bool? = nil) {
        self.title = title
        self.unit = unit
        self.visible = enabled && (visible ?? Self.outputIsTerminal)
    }

    /// Whether standard output and standard error are both terminals that redraw in place.
    static var outputIsTerminal: Bool {
        isatty(STDOUT_FILENO) != 0 && isatty(STDERR_FILENO) != 0 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// A handler for the kit's runners, which report counts with a label.
    var handler: ProgressHandler {
        { [self] update in self.update(completed: Int64(update.completed), total: Int64(update.total), label: update.label) }
    }

    /// Records progress: `completed` of `total` (nil: unknown), with what is being done now.
    func update(completed: Int64, total: Int64?, label: String = "") {
        guard visible else { return }
        lock.withLock {
            guard !finished else { return }
            last = (completed, total, label)
            let now = Date()
            let done = total.map { completed >= $0 } ?? false
            guard done || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
            spinnerStep += 1
            redraw(render())
        }
    }

    /// Prints a line of text above the bar (the bar is redrawn under it). Printed whether or not
    /// the bar itself is visible: these are messages, not progress.
    func log(_ line: String) {
        lock.withLock {
            if lineIsDrawn {
                write("\r\u{1B}[2K" + line + "\n")
                redraw(render())
            } else {
                write(line + "\n")
            }
        }
    }

    /// Ends the bar, leaving its last state (or `summary`) on a line of its own.
    func finish(_ summary: String? = nil) {
        guard visible else { return }
        lock.withLock {
            guard !finished else { return }
            finished = true
            write("\r\u{1B}[2K" + (summary ?? render()) + "\n")
            lineIsDrawn = false
        }
    }

    /// Ends the bar and clears it, leaving the screen to what follows (the result, an error).
    func clear() {
        guard visible else { return }
        lock.withLock {
            guard !finished else { return }
            finished = true
            if lineIsDrawn { write("\r\u{1B}[2K") }
            lineIsDrawn = false
        }
    }

    private func redraw(_ text: String) {
        write("\r\u{1B}[2K" + text)
        lineIsDrawn = true
    }

    /// The line for the last update; internal for tests.
    func render() -> String {
        let elapsed = Self.clock(Date().timeIntervalSince(started))
        let label = last.label.isEmpty ? "" : "  \(last.label)"
        guard let total = last.total, total > 0 else {
            let frames = Array("|/-\\")
            let amount = unit == .bytes ? Self.megabytes(last.completed) : "\(last.completed)"
            return "\(title)  \(frames[spinnerStep % frames.count]) \(amount)  \(elapsed)\(label)"
        }
        let fraction = Double(min(last.completed, total)) / Double(total)
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let amount = unit == .bytes
            ? "\(Self.megabytes(last.completed, unit: false))/\(Self.megabytes(total))  \(Int(fraction * 100))%"
            : "\(last.completed)/\(total)"
        return "\(title)  [\(bar)]  \(amount)  \(elapsed)\(label)"
    }

    /// "0:42", "12:05", "1:02:03".
    static func clock(_ seconds: Double) -> String {
        let total = max(0, Int(seconds))
        let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
        let tail = String(format: "%02d", rest)
        return hours > 0 ? "\(hours):\(String(format: "%02d", minutes)):\(tail)" : "\(minutes):\(tail)"
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
