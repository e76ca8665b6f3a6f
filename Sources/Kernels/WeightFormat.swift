/// Element layouts of a weight matrix, as ggml stores them (blocks of 32 along a row).
///
/// - `q4_0`: f16 scale `d`, 16 bytes of nibbles; value = (q - 8) * d.
/// - `q4_1`: f16 scale `d`, f16 minimum `m`, 16 bytes of nibbles; value = q * d + m.
/// - `q8_0`: f16 scale `d`, 32 signed bytes; value = q * d.
/// Low nibbles hold elements 0..<16 of a block, high nibbles elements 16..<32.
public enum WeightFormat: Sendable, Hashable, CaseIterable {
    case f32, f16, q8_0, q4_0, q4_1

    /// Elements per block: a row's length must be a multiple of it.
    public var blockSize: Int {
        switch self {
        case .f32, .f16: 1
        case .q8_0, .q4_0, .q4_1: 32
        }
    }

    /// Bytes per block.
    public var bytesPerBlock: Int {
        switch self {
        case .f32: 4
        case .f16: 2
        case .q8_0: 34
        case .q4_0: 18
        case .q4_1: 20
        }
    }

    /// Whether products quantize the activations to 8 bits (the block formats do).
    public var isBlockQuantized: Bool { blockSize == 32 }
}
