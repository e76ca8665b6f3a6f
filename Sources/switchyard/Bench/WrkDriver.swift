import Foundation

/// Drives load with `wrk` (C, event-driven: not the bottleneck on two cores, unlike a Swift
/// client in the measured process). The POST comes from a Lua script; the percentiles from
/// `--latency`.
struct WrkDriver: LoadDriver {
    let executable: String
    /// wrk threads: one per connection up to this many.
    let maxThreads: Int

    var name: String { "wrk" }

    /// `wrk` on the PATH, if installed (Debian: `apt-get install wrk`).
    static func find() -> WrkDriver? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/wrk"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return WrkDriver(executable: candidate, maxThreads: 2)
            }
        }
        return nil
    }

    func run(_ request: LoadRequest, connections: Int, seconds: Int) async throws -> LoadResult {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-bench-\(UUID().uuidString).lua")
        try Self.luaScript(for: request).write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        let arguments = [
            "-t", String(min(connections, maxThreads)), "-c", String(connections), "-d", "\(seconds)s", "--latency",
            "--timeout", "10s", "-s", script.path, request.url,
        ]
        let output = try await Self.execute(executable, arguments)
        guard let result = Self.parse(output) else {
            throw BenchError("wrk printed no result for \(request.url):\n\(output)")
        }
        return result
    }

    static func luaScript(for request: LoadRequest) -> String {
        """
        wrk.method = "POST"
        wrk.body = [==[\(request.body)]==]
        wrk.headers["Content-Type"] = "application/json"
        wrk.headers["Authorization"] = "Bearer \(request.apiKey)"

        """
    }

    /// Reads `Requests/sec`, the 50 % and 99 % lines of the latency distribution, non-2xx and socket errors.
    static func parse(_ output: String) -> LoadResult? {
        var rate: Double?
        var p50: Double?
        var p99: Double?
        var errors = 0
        var requests = 0
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            switch first {
            case "Requests/sec:": rate = fields.count > 1 ? Double(fields[1]) : nil
            case "50%": p50 = fields.count > 1 ? milliseconds(fields[1]) : nil
            case "99%": p99 = fields.count > 1 ? milliseconds(fields[1]) : nil
            case "Non-2xx": errors += Int(fields.last ?? "") ?? 0
            case "Socket":
                // Socket errors: connect 0, read 0, write 0, timeout 0
                errors += fields.compactMap { Int($0.trimmingCharacters(in: .punctuationCharacters)) }.reduce(0, +)
            default:
                if fields.count >= 2, fields[1] == "requests", let count = Int(first) { requests = count }
            }
        }
        guard let rate, let p50, let p99 else { return nil }
        return LoadResult(requestsPerSecond: rate, p50Milliseconds: p50, p99Milliseconds: p99, errors: errors, requests: requests)
    }

    /// wrk's durations: `52.00us`, `1.23ms`, `2.00s`, `1.00m`.
    static func milliseconds(_ text: Substring) -> Double? {
        let units: [(String, Double)] = [("us", 0.001), ("ms", 1), ("s", 1000), ("m", 60_000)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * scale }
        }
        return nil
    }

    /// Runs a child process to the end and returns its output (standard error included). The
    /// output goes to a file, so no thread of the measured process blocks reading a pipe.
    static func execute(_ executable: String, _ arguments: [String]) async throws -> String {
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-bench-\(UUID().uuidString).out")
        guard FileManager.default.createFile(atPath: outputURL.path, contents: nil), let output = try? FileHandle(forWritingTo: outputURL) else {
            throw BenchError("cannot create \(outputURL.path)")
        }
        defer {
            try? output.close()
            try? FileManager.default.removeItem(at: outputURL)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
    }
}

/// A benchmark that could not run: the message says why.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
