import Foundation
import Testing

import Embeddings

/// The vectorized erf of the GELU against libm's, over the whole range where it is not ±1.
struct BertOpsTests {
    @Test func erf8IsWithinHalfAMillionthOfLibm() {
        var worst: Float = 0
        var x: Float = -6
        while x < 6 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.0003 })
            let fast = BertOps.erf8(lanes)
            for lane in 0..<8 { worst = max(worst, abs(fast[lane] - erf(lanes[lane]))) }
            x += 0.0024
        }
        #expect(worst < 5e-7)
    }
}
