import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Foundation

/// llama.cpp's llama-server started on the same model file as the peer `serve-bench` measures
/// in the same run: one slot per stream of the largest concurrency level, the same compute
/// threads, flash attention on (as the engine computes it), continuous batching (its default).
struct LlamaServerPeer {
    let port: Int
    private let process: Process
    private let log: URL

    /// Starts `executable` on 127.0.0.1:`port`. Its shared libraries are looked up beside it
    /// (llama.cpp's CMake build puts them there), so LD_LIBRARY_PATH need not be set.
    static func start(
        executable: String, model: String, port: Int, slots: Int, contextPerSlot: Int, threads: Int
    ) throws -> LlamaServerPeer {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw BenchError("--llama-server: \(executable) is not an executable file")
        }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-bench-llama-server-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "-m", model, "--host", "127.0.0.1", "--port", String(port), "-t", String(threads), "-tb", String(threads),
            "-np", String(slots), "-c", String(slots * contextPerSlot), "-fa", "on", "--no-webui",
        ]
        var environment = ProcessInfo.processInfo.environment
        let folder = URL(fileURLWithPath: executable).deletingLastPathComponent().path
        environment["LD_LIBRARY_PATH"] = [folder, environment["LD_LIBRARY_PATH"]].compactMap { $0 }.joined(separator: ":")
        process.environment = environment
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return LlamaServerPeer(port: port, process: process, log: log)
    }

    /// Waits until `/health` answers 200 (the model is loaded), or the process ended.
    func waitUntilReady() async throws {
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/health")
        for _ in 0..<600 {
            guard process.isRunning else { throw BenchError("llama-server exited at start:\n\(lastLines())") }
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(5)) {
                _ = try? await response.body.collect(upTo: 1 << 16)
                if response.status == .ok { return }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("llama-server was not ready within 60 s:\n\(lastLines())")
    }

    /// Ends the server (SIGTERM, then SIGKILL after 5 s: idle llama-servers were seen still
    /// running after SIGTERM) and removes its log.
    func stop() async {
        if process.isRunning { process.terminate() }
        for _ in 0..<50 where process.isRunning {
            try? await Task.sleep(for: .milliseconds(100))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: log)
    }

    private func lastLines() -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(15).joined(separator: "\n")
    }
}
