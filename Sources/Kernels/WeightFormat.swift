/// Element layouts of a weight matrix, as ggml stores them.
///
/// Blocks of 32 along a row (activations quantized to 8-bit blocks of 32, `QuantizedActivations`):
/// - `q4_0`: f16 scale `d`, 16 bytes of nibbles; value = (q - 8) * d.
/// - `q4_1`: f16 scale `d`, f16 minimum `m`, 16 bytes of nibbles; value = q * d + m.
/// - `q5_0`: f16 `d`, 32 high bits `qh`, 16 bytes of nibbles; value = (q - 16) * d.
/// - `q5_1`: f16 `d`, f16 `m`, 32 high bits, 16 bytes of nibbles; value = q * d + m.
/// - `q8_0`: f16 scale `d`, 32 signed bytes; value = q * d.
/// Low nibbles hold elements 0..<16 of a block, high nibbles elements 16..<32; bit `j` of `qh`
/// is bit 4 of element `j`.
///
/// Super-blocks of 256 (the K quantizations; activations quantized to ggml's Q8_K,
/// `SuperBlockActivations`), laid out as ggml's `block_q4_K` and `block_q6_K`:
/// - `q4_K`: f16 `d`, f16 `dmin`, 12 bytes of 6-bit scales and mins for 8 sub-blocks of 32,
///   128 bytes of nibbles; value = d * scale_j * q - dmin * min_j.
/// - `q6_K`: 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 signed scales (one per
///   16 elements), f16 `d`; value = d * scale_j * (q - 32).
public enum WeightFormat: Sendable, Hashable, CaseIterable {
    case f32, f16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_K, q6_K

    /// Elements per block: a row's length must be a multiple of it.
    public var blockSize: Int {
        switch self {
        case .f32, .f16: 1
        case .q8_0, .q4_0, .q4_1, .q5_0, .q5_1: 32
        case .q4_K, .q6_K: 256
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
        case .q5_0: 22
        case .q5_1: 24
        case .q4_K: 144
        case .q6_K: 210
        }
    }

    /// Whether products quantize the activations to 8 bits (every format but the float ones).
    public var isBlockQuantized: Bool { blockSize > 1 }

    /// Whether the activations are quantized in super-blocks of 256 (ggml's Q8_K) rather than
    /// blocks of 32.
    public var usesSuperBlocks: Bool { blockSize == 256 }

    /// ggml's name of the type, as in error messages and `gguf` dumps.
    public var name: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .q8_0: "Q8_0"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q5_0: "Q5_0"
        case .q5_1: "Q5_1"
        case .q4_K: "Q4_K"
        case .q6_K: "Q6_K"
        }
    }

    /// The format of a ggml type name (`GGMLType.name`), or nil where the kernels cannot run it.
    /// The engine maps a tensor's type with this and reports a load error naming the tensor
    /// and the type when it is nil.
    public init?(ggmlName: String) {
        guard let format = Self.allCases.first(where: { $0.name == ggmlName }) else { return nil }
        self = format
    }

    /// The names of every type the kernels run, for error messages.
    public static var supportedNames: String { allCases.map(\.name).joined(separator: ", ") }
}
