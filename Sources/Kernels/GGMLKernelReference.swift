#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// llama.cpp's own CPU kernels, loaded at run time from a `libggml-cpu` shared library (an AVX2
/// build of 0c1e570), so `KernelBenchmark` can time them beside ours in the same process and run.
/// Only the benchmark uses it: the engine never loads llama.cpp.
final class GGMLKernelReference {
    typealias VecDot = @convention(c) (
        Int32, UnsafeMutablePointer<Float>, Int, UnsafeRawPointer, Int, UnsafeRawPointer, Int, Int32
    ) -> Void
    typealias Quantize = @convention(c) (UnsafePointer<Float>, UnsafeMutableRawPointer, Int64) -> Void
    typealias Gemv = @convention(c) (
        Int32, UnsafeMutablePointer<Float>, Int, UnsafeRawPointer, UnsafeRawPointer, Int32, Int32
    ) -> Void

    private let handle: UnsafeMutableRawPointer
    let vecDotQ5_0: VecDot, vecDotQ8_0: VecDot, vecDotQ6_K: VecDot
    let quantizeQ8_0: Quantize, quantizeQ8_K: Quantize, quantizeQ8_K4x8: Quantize
    let gemvQ4_K: Gemv, gemmQ4_K: Gemv

    /// Loads `path` (e.g. `/path/to/build/bin/libggml-cpu.so`); nil with a reason when it cannot.
    init(path: String) throws(KernelReferenceError) {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw KernelReferenceError(message: "cannot load \(path): \(dlerror().map { String(cString: $0) } ?? "unknown error")")
        }
        self.handle = handle
        func symbol<T>(_ name: String, as type: T.Type) throws(KernelReferenceError) -> T {
            guard let address = dlsym(handle, name) else {
                throw KernelReferenceError(message: "\(path) has no \(name) (not a llama.cpp 0c1e570 AVX2 build?)")
            }
            return unsafeBitCast(address, to: type)
        }
        let initialize = try symbol("ggml_cpu_init", as: (@convention(c) () -> Void).self)
        initialize()
        vecDotQ5_0 = try symbol("ggml_vec_dot_q5_0_q8_0", as: VecDot.self)
        vecDotQ8_0 = try symbol("ggml_vec_dot_q8_0_q8_0", as: VecDot.self)
        vecDotQ6_K = try symbol("ggml_vec_dot_q6_K_q8_K", as: VecDot.self)
        quantizeQ8_0 = try symbol("quantize_row_q8_0", as: Quantize.self)
        quantizeQ8_K = try symbol("quantize_row_q8_K", as: Quantize.self)
        quantizeQ8_K4x8 = try symbol("ggml_quantize_mat_q8_K_4x8", as: Quantize.self)
        gemvQ4_K = try symbol("ggml_gemv_q4_K_8x8_q8_K", as: Gemv.self)
        gemmQ4_K = try symbol("ggml_gemm_q4_K_8x8_q8_K", as: Gemv.self)
    }

    deinit { dlclose(handle) }

    /// One product as llama.cpp runs it on one thread, activations quantized included: Q5_0 and
    /// Q8_0 through `vec_dot` (for prompts llama.cpp uses llamafile's tinyBLAS, not timed here),
    /// Q6_K through `vec_dot`, Q4_K through the repacked gemv, or gemm for groups of four tokens.
    /// `weights` holds the matrix's bytes (for Q4_K, as if repacked: only its speed matters).
    func multiply(
        format: WeightFormat, rows: Int, columns: Int, tokens: Int, weights: UnsafeRawPointer,
        input: UnsafePointer<Float>, scratch: UnsafeMutableRawPointer, output: UnsafeMutablePointer<Float>
    ) {
        let n = Int32(columns)
        let rowBytes = columns / format.blockSize * format.bytesPerBlock
        switch format {
        case .q4_K:
            let step = columns / 256 * 292
            let grouped = tokens - tokens % 4
            for t in Swift.stride(from: 0, to: grouped, by: 4) {
                quantizeQ8_K4x8(input + t * columns, scratch + t * step, Int64(columns))
            }
            for t in grouped..<tokens { quantizeQ8_K(input + t * columns, scratch + t * step, Int64(columns)) }
            if grouped > 0 { gemmQ4_K(n, output, rows, weights, UnsafeRawPointer(scratch), Int32(grouped), Int32(rows)) }
            for t in grouped..<tokens {
                gemvQ4_K(n, output + t * rows, rows, weights, UnsafeRawPointer(scratch + t * step), 1, Int32(rows))
            }
        default:
            let superBlocks = format == .q6_K
            let stride = superBlocks ? columns / 256 * 292 : columns / 32 * 34
            let quantize = superBlocks ? quantizeQ8_K : quantizeQ8_0
            let dot = format == .q6_K ? vecDotQ6_K : format == .q5_0 ? vecDotQ5_0 : vecDotQ8_0
            for t in 0..<tokens { quantize(input + t * columns, scratch + t * stride, Int64(columns)) }
            for t in 0..<tokens {
                let a = UnsafeRawPointer(scratch + t * stride)
                for r in 0..<rows { dot(n, output + t * rows + r, 0, weights + r * rowBytes, 0, a, 0, 1) }
            }
        }
    }

    /// The formats `multiply` covers.
    static let formats: Set<WeightFormat> = [.q5_0, .q8_0, .q4_K, .q6_K]
}

/// Why llama.cpp's kernels could not be loaded.
public struct KernelReferenceError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
