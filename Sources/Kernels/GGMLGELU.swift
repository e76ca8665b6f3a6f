#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// GELU (tanh approximation) as llama.cpp's CPU backend computes it for F32 rows
/// (`ggml_vec_gelu_f32` / `ggml_vec_geglu_f32` with `GGML_GELU_FP16`, which vec.h defines): inputs
/// at or below -10 give 0, at or above 10 pass through; anything else is rounded to a half and
/// looked up in a 65,536-entry table of halves, built as `ggml_cpu_init` builds it:
/// `0.5·x·(1 + tanhf(√(2/π)·x·(1 + 0.044715·x·x)))`, with the compiler's fused
/// `fma(0.044715·x, x, 1)` (checked against libggml-cpu's `ggml_table_gelu_f16`, every entry).
/// Gemma's feed-forward is `geglu(gate, up)` (llama.cpp's `LLM_FFN_GELU` + `LLM_FFN_PAR`).
public enum GGMLGELU {
    /// `x[i] = gelu(x[i])`.
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        Self.table.withUnsafeBufferPointer { table in
            for i in 0..<count {
                let v = x[i]
                x[i] = v <= -10 ? 0 : v >= 10 ? v : table[Int(Half.fromFloat(v))]
            }
        }
    }

    /// `gate[i] = gelu(gate[i]) * up[i]` (`ggml_vec_geglu_f32`).
    public static func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        Self.table.withUnsafeBufferPointer { table in
            for i in 0..<count {
                let x = gate[i]
                if x <= -10 {
                    gate[i] = 0
                } else if x >= 10 {
                    gate[i] = x * up[i]
                } else {
                    gate[i] = table[Int(Half.fromFloat(x))] * up[i]
                }
            }
        }
    }

    /// `geglu` split across `pool` (a prompt's feed-forward is millions of elements).
    public static func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int, pool: ComputePool) {
        let chunk = 16_384
        guard count > chunk, pool.threadCount > 1 else {
            geglu(gate, up, count: count)
            return
        }
        pool.parallelFor((count + chunk - 1) / chunk) { task in
            let start = task * chunk
            geglu(gate + start, up + start, count: min(chunk, count - start))
        }
    }

    /// The table's halves, stored as the floats they stand for; built once.
    private static let table: [Float] = {
        var table = [Float](repeating: 0, count: 1 << 16)
        let coefficient: Float = 0.044715
        let sqrtTwoOverPi: Float = 0.79788456080286535587989211986876
        for i in 0..<(1 << 16) {
            let x = Half.toFloat(UInt16(i))
            let inner = Float(1).addingProduct(coefficient * x, x)
            let y = 0.5 * x * (1 + tanhf(sqrtTwoOverPi * x * inner))
            table[i] = Half.rounded(y)
        }
        return table
    }()
}
