import Kernels
import Testing

@Suite struct GGMLGELUTests {
    /// Every half in (-10, 10) through `geglu` with `up = 1` reproduces libggml-cpu's
    /// `ggml_table_gelu_f16` (AVX2 build 0c1e570): FNV-1a of the 37,376 results' float bits,
    /// computed from the library's table after `ggml_cpu_init`.
    @Test func tableEqualsGGMLs() {
        var inputs: [Float] = []
        for i in 0..<(1 << 16) {
            let x = ReferenceKernels.float(halfBits: UInt16(i))
            if x > -10 && x < 10 { inputs.append(x) }
        }
        let ones = [Float](repeating: 1, count: inputs.count)
        GGMLGELU.geglu(&inputs, ones, count: inputs.count)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for y in inputs {
            for k in 0..<4 {
                hash ^= UInt64((y.bitPattern >> (8 * UInt32(k))) & 0xFF)
                hash = hash &* 0x100_0000_01B3
            }
        }
        #expect(inputs.count == 37376)
        #expect(hash == 0x45af_6e32_2a6f_2b80)
    }

    @Test func knownValuesAndTheRangeEnds() {
        // (x, ggml_table_gelu_f16[half(x)]) read from libggml-cpu.
        let known: [(Float, UInt16)] = [
            (-0x1.8p+1, 0x9b73), (-0x1.75c29p-1, 0xb170), (-0x1.0624dep-10, 0x9018), (0, 0),
            (0x1.55b574p-2, 0x32bc), (0x1.6a0902p+0, 0x3d36), (0x1.f147aep+2, 0x47c5), (0x1.3fae14p+3, 0x48ff),
        ]
        var x = known.map(\.0) + [-10, -25, 10, 31.5]
        let up: [Float] = known.map { _ in 1 } + [3, 3, 3, 2]
        GGMLGELU.geglu(&x, up, count: x.count)
        for (i, (_, half)) in known.enumerated() {
            #expect(x[i] == ReferenceKernels.float(halfBits: half))
        }
        #expect(Array(x.suffix(4)) == [0, 0, 30, 63])
        var plain: [Float] = [0x1.6a0902p+0, -11, 12]
        GGMLGELU.gelu(&plain, count: 3)
        #expect(plain == [ReferenceKernels.float(halfBits: 0x3d36), 0, 12])
    }
}
