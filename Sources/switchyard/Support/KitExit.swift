import ArgumentParser
import Cutover
import Foundation

/// Exit codes of the kit commands, for CI gates:
/// 0 everything passed; 1 findings (a failed check, a broken feature, a threshold missed, audit
/// findings); 2 the run itself failed (bad input, unreachable endpoint, unwritable report).
/// Argument-parser usage errors exit with 64 before a command runs.
enum KitExit {
    static let findings = ExitCode(1)
    static let failure = ExitCode(2)

    /// Runs `body`, turning a `CutoverError` into a message on stderr and exit code 2.
    static func guarding(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as CutoverError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw failure
        }
    }

    /// Writes `text` to `path`, creating parent directories.
    static func write(_ text: String, to path: String) throws(CutoverError) {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        } catch {
            throw CutoverError(.output, "could not write \(path): \(error.localizedDescription)")
        }
    }

    /// Runs `body` with a client for `endpoints` that is shut down afterwards, whatever happens.
    /// A stream silent for the longest endpoint timeout counts as stalled.
    static func withClient<T: Sendable>(
        for endpoints: [Endpoint], maxConnections: Int = 64, _ body: (OpenAIClient) async throws(CutoverError) -> T
    ) async throws(CutoverError) -> T {
        let client = OpenAIClient(maxConnectionsPerHost: maxConnections, stallTimeout: endpoints.map(\.timeout).max() ?? 120)
        do {
            let value = try await body(client)
            await client.shutdown()
            return value
        } catch {
            await client.shutdown()
            throw error
        }
    }
}
