#if arch(x86_64)
import _Builtin_intrinsics.intel
/// Q6_K weights rearranged at load into a layout that `AVX2Q6KRows` multiplies with fewer
/// instructions than ggml's `block_q6_K`, in the same 210 bytes a super-block (so decode, which
/// streams every weight once a token, reads no more memory than from the file's layout).
///
/// Per row and super-block of 256 elements, one record:
/// - bytes `96h ..< 96h + 96`, for each half `h` (elements `128h ..< 128h + 128`): three vectors
///   `X`, `Y`, `Z` of 32 bytes carrying the half's four unpacked vectors `W[4h ..< 4h + 4]`
///   (32 values of 0…63 each): `X = W0 | (W3 & 3) << 6`, `Y = W1 | ((W3 >> 2) & 3) << 6`,
///   `Z = W2 | (W3 >> 4) << 6`. Three masks give `W0…W2`, eight operations `W3`: 11 a half
///   where ggml's nibble layout takes 17.
/// - bytes 192..<208: the sixteen signed 6-bit sub-block scales, as in the file;
/// - bytes 208..<210: the fp16 scale `d`.
///
/// The vectors hold the elements in an order (`element(vector:byte:)`) chosen so that two
/// vectors' `maddubs` products can be added in int16 before one `madd` applies the scales, and
/// every int32 lane still collects exactly the elements, scales and sums of ggml's AVX2
/// `vec_dot_q6_K_q8_K` lane: `W[2p + q]` byte `4k + 2m + n` holds element `32(2p + m) + 4k + 2q + n`
/// (lane `k` of the pair `p` takes bytes `4k ..< 4k + 4` of chunks `2p` and `2p + 1`, each
/// 16-bit half of it one chunk's four bytes, with that chunk's scale). The activations
/// multiply in the same order (`permuteActivations`), made once per token and product.
public enum Q6KRows {
    @inlinable public static var recordBytes: Int { 210 }
    @inlinable public static var scaleOffset: Int { 192 }
    @inlinable public static var dOffset: Int { 208 }

    /// Bytes the rearranged form of a `rows` × `256 * blocks` matrix takes (as many as the file's).
    public static func byteCount(rows: Int, blocks: Int) -> Int { rows * blocks * recordBytes }

    /// The element (0..<256 within its super-block) that byte `byte` of vector `vector` (0..<8) holds.
    @inline(__always)
    static func element(vector: Int, byte: Int) -> Int {
        let p = vector / 2, q = vector % 2, k = byte / 4, m = (byte / 2) % 2, n = byte % 2
        return 32 * (2 * p + m) + 4 * k + 2 * q + n
    }

    /// Rearranges the Q6_K matrix at `weights` (rows `rowBytes` apart, `blocks` super-blocks
    /// each) into `output` (`byteCount(rows:blocks:)` bytes).
    public static func repack(
        _ weights: UnsafeRawPointer, rowBytes: Int, rows: Int, blocks: Int, into output: UnsafeMutableRawPointer
    ) {
        let m3 = _mm256_set1_epi8(3), m15 = _mm256_set1_epi8(15)
        let low16 = _mm256_set1_epi32(0x0000_FFFF), high16 = _mm256_set1_epi32(-65536)
        for r in 0..<rows {
            for b in 0..<blocks {
                let block = weights + r * rowBytes + 210 * b
                let record = output + (r * blocks + b) * recordBytes
                @inline(__always) func load32(_ offset: Int) -> SIMD4<Int64> {
                    block.loadUnaligned(fromByteOffset: offset, as: SIMD4<Int64>.self)
                }
                for h in 0..<2 {
                    // The half's four chunks in ggml's element order (its AVX2 unpacking)...
                    let bits1 = load32(64 * h), bits2 = load32(64 * h + 32), high = load32(128 + 32 * h)
                    let n0 = _mm256_or_si256(_mm256_and_si256(bits1, m15), _mm256_slli_epi16(_mm256_and_si256(high, m3), 4))
                    let n1 = _mm256_or_si256(
                        _mm256_and_si256(bits2, m15), _mm256_slli_epi16(_mm256_and_si256(high, _mm256_set1_epi8(12)), 2))
                    let n2 = _mm256_or_si256(
                        _mm256_and_si256(_mm256_srli_epi16(bits1, 4), m15), _mm256_and_si256(high, _mm256_set1_epi8(48)))
                    let n3 = _mm256_or_si256(
                        _mm256_and_si256(_mm256_srli_epi16(bits2, 4), m15),
                        _mm256_srli_epi16(_mm256_and_si256(high, _mm256_set1_epi8(-64)), 2))
                    // ...in the weights' order (as `permuteActivations`)...
                    let w0 = _mm256_or_si256(_mm256_and_si256(n0, low16), _mm256_slli_epi32(n1, 16))
                    let w1 = _mm256_or_si256(_mm256_srli_epi32(n0, 16), _mm256_and_si256(n1, high16))
                    let w2 = _mm256_or_si256(_mm256_and_si256(n2, low16), _mm256_slli_epi32(n3, 16))
                    let w3 = _mm256_or_si256(_mm256_srli_epi32(n2, 16), _mm256_and_si256(n3, high16))
                    // ...packed as X, Y, Z (W3's bit pairs in their top bits).
                    let top0 = _mm256_slli_epi16(_mm256_and_si256(w3, m3), 6)
                    let top1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(w3, 2), m3), 6)
                    let top2 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(w3, 4), m3), 6)
                    record.storeBytes(of: _mm256_or_si256(w0, top0), toByteOffset: 96 * h, as: SIMD4<Int64>.self)
                    record.storeBytes(of: _mm256_or_si256(w1, top1), toByteOffset: 96 * h + 32, as: SIMD4<Int64>.self)
                    record.storeBytes(of: _mm256_or_si256(w2, top2), toByteOffset: 96 * h + 64, as: SIMD4<Int64>.self)
                }
                (record + scaleOffset).copyMemory(from: block + 192, byteCount: 18)
            }
        }
    }

    /// Decodes row `row` of a rearranged matrix to floats, as ggml's `dequantize_row_q6_K`:
    /// `(d · scale) · (q − 32)` per element.
    public static func dequantizeRow(_ rearranged: UnsafeRawPointer, row: Int, blocks: Int, into output: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let record = rearranged + (row * blocks + b) * recordBytes
            let d = halfToFloat(record.loadUnaligned(fromByteOffset: dOffset, as: UInt16.self))
            let y = output + 256 * b
            for h in 0..<2 {
                for i in 0..<32 {
                    let x = record.load(fromByteOffset: 96 * h + i, as: UInt8.self)
                    let yy = record.load(fromByteOffset: 96 * h + 32 + i, as: UInt8.self)
                    let z = record.load(fromByteOffset: 96 * h + 64 + i, as: UInt8.self)
                    let values: InlineArray<4, UInt8> = [x & 0x3F, yy & 0x3F, z & 0x3F, (x >> 6) | (yy >> 6) << 2 | (z >> 6) << 4]
                    for j in 0..<4 {
                        let e = element(vector: 4 * h + j, byte: i)
                        let scale = Float(record.load(fromByteOffset: scaleOffset + e / 16, as: Int8.self))
                        y[e] = d * scale * Float(Int32(values[j]) - 32)
                    }
                }
            }
        }
    }

    /// Bytes of the rearranged quants of one token: `256 * blocks`.
    @inline(__always)
    public static func activationStride(blocks: Int) -> Int { 256 * blocks }

    /// Writes one token's Q8_K quants (`256 * blocks` bytes at `quants`, `SuperBlockActivations`
    /// order) in the weights' element order into `output`.
    public static func permuteActivations(_ quants: UnsafeRawPointer, blocks: Int, into output: UnsafeMutableRawPointer) {
        // Per pair of 32-byte chunks (n0, n1): W[2p] takes the low 16 bits of each 32-bit lane of n0
        // and of n1 (n1's in the high half), W[2p+1] the high 16 bits of both.
        let low16 = _mm256_set1_epi32(0x0000_FFFF), high16 = _mm256_set1_epi32(-65536)
        for c in 0..<(4 * blocks) {
            let n0 = quants.loadUnaligned(fromByteOffset: 64 * c, as: SIMD4<Int64>.self)
            let n1 = quants.loadUnaligned(fromByteOffset: 64 * c + 32, as: SIMD4<Int64>.self)
            output.storeBytes(of: _mm256_or_si256(_mm256_and_si256(n0, low16), _mm256_slli_epi32(n1, 16)),
                              toByteOffset: 64 * c, as: SIMD4<Int64>.self)
            output.storeBytes(of: _mm256_or_si256(_mm256_srli_epi32(n0, 16), _mm256_and_si256(n1, high16)),
                              toByteOffset: 64 * c + 32, as: SIMD4<Int64>.self)
        }
    }
}
#endif
