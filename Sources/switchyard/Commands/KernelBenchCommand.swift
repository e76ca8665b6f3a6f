import ArgumentParser
import Foundation
import Kernels

/// `switchyard kernel-bench`: the matrix-product kernels alone, in GFLOP/s, and with
/// `--ggml-lib` against llama.cpp's own kernels timed in the same run.
struct KernelBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel-bench",
        abstract: "Measure the matrix-product kernels (GFLOP/s), optionally against llama.cpp's.",
        discussion: """
            Times every weight format's products at SmolLM2's, Gemma 3's and Qwen3 0.5B's shapes (one \
            token and prompt chunks, 1 and 2 threads), and a whole Qwen3 0.5B Q4_K_M decode step's \
            products streamed from memory. With --ggml-lib PATH (libggml-cpu.so of an AVX2 build of \
            llama.cpp 0c1e570) it also times llama.cpp's kernels for Gemma's Q5_0, Q8_0, Q4_K and Q6_K \
            products and Qwen3's Q4_K and Q6_K ones in the same process and prints the ratios (ours / \
            llama.cpp's; above 1 is faster). Build with -c release; on a shared machine compare only \
            ratios from one run.
            """)

    @Option(name: .customLong("ggml-lib"), help: "Path of llama.cpp's libggml-cpu.so to time as the reference.")
    var ggmlLibrary: String?

    @Option(help: "Seconds per case.") var seconds = 0.3

    @Flag(help: "Print one JSON object.") var json = false

    @Flag(help: "Only the batched decode step (SmolLM2's products for 16 streams, 1 and 2 threads).")
    var batchedStepOnly = false

    func run() throws {
        guard seconds > 0, seconds.isFinite else { throw ValidationError("--seconds must be a positive number") }
        let results: [String: Double]
        do {
            results = batchedStepOnly
                ? KernelBenchmark.batchedDecodeSteps(secondsPerCase: seconds)
                : try KernelBenchmark.run(secondsPerCase: seconds, ggmlLibrary: ggmlLibrary)
        } catch {
            throw ValidationError("\(error)")
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for (name, value) in results.sorted(by: { $0.key < $1.key }) {
            let unit = name.hasPrefix("ratio") ? "×" : name.contains("tokens/s") ? " tok/s" : " GFLOP/s"
            print("\(name): \(String(format: "%.2f", value))\(unit)")
        }
    }
}
