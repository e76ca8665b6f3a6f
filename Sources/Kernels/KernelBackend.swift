import KernelsAVX2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which implementation of the kernels runs. `best` is chosen once at start-up from the CPU's
/// features; tests pass a set explicitly to compare them. Every set computes the same floats:
/// the AVX-512 kernels' integer sums equal the AVX2 ones' and their float arithmetic is the same.
public enum KernelBackend: String, Sendable, Hashable, CaseIterable {
    /// Plain Swift SIMD types: runs on any CPU.
    case portable
    /// x86 AVX2 + FMA + F16C intrinsics; falls back to `portable` where the CPU lacks them.
    case avx2
    /// AVX-512 F/BW/VL/DQ + VNNI (`vpdpbusd`) for the quantized products, the AVX2 kernels for the
    /// rest; falls back to `avx2` (or `portable`) where the CPU lacks them.
    case avx512

    /// The fastest set this CPU supports, or the one `SWITCHYARD_KERNELS=avx512|avx2|portable`
    /// names (a set the CPU lacks falls back to the best it has, with a one-line warning).
    public static let best: KernelBackend = {
        let fastest: KernelBackend = allCases.reversed().first { $0.isSupported } ?? .portable
        guard let forced = forcedName else { return fastest }
        guard let named = KernelBackend(rawValue: forced) else {
            warn("SWITCHYARD_KERNELS=\(forced) is not one of avx512, avx2, portable; using \(fastest.rawValue)")
            return fastest
        }
        guard named.isSupported else {
            warn("SWITCHYARD_KERNELS=\(forced): this CPU lacks the \(forced) instructions; using \(named.resolved.rawValue)")
            return named.resolved
        }
        return named
    }()

    /// The value of `SWITCHYARD_KERNELS`, nil when unset or empty.
    public static var forcedName: String? {
        guard let value = getenv("SWITCHYARD_KERNELS").map({ String(cString: $0) }), !value.isEmpty else { return nil }
        return value
    }

    /// Whether this CPU (and operating system) can run the set.
    public var isSupported: Bool {
        switch self {
        case .portable: true
        case .avx2: CPUFeatures.hasAVX2
        case .avx512: CPUFeatures.hasAVX512VNNI
        }
    }

    /// The set that actually runs for this request (never one the CPU cannot execute): the
    /// requested one, else the next set down that the CPU has.
    @inline(__always)
    var resolved: KernelBackend {
        if isSupported { return self }
        return self == .avx512 && CPUFeatures.hasAVX2 ? .avx2 : .portable
    }

    /// Whether a resolved set runs the AVX2 kernels (where it has no AVX-512 kernel of its own).
    @inline(__always)
    var usesAVX2: Bool { self != .portable }

    /// One line on standard error (written directly: the C `stderr` global is not concurrency-safe).
    private static func warn(_ message: String) {
        var line = "switchyard: \(message)\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}
