import KernelsAVX2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which implementation of the kernels runs. `best` is chosen once at start-up from the CPU's
/// features; tests pass `.portable` to check the fallback that runs on CPUs without AVX2.
public enum KernelBackend: Sendable, Hashable {
    /// Plain Swift SIMD types: runs on any CPU.
    case portable
    /// x86 AVX2 + FMA + F16C intrinsics; falls back to `portable` where the CPU lacks them.
    case avx2

    /// The fastest backend this CPU supports. Setting `SWITCHYARD_KERNELS=portable` in the
    /// environment forces the portable one.
    public static let best: KernelBackend = {
        if let forced = getenv("SWITCHYARD_KERNELS"), String(cString: forced) == "portable" { return .portable }
        return CPUFeatures.hasAVX2 ? .avx2 : .portable
    }()

    /// The backend that actually runs for this request (never one the CPU cannot execute).
    @inline(__always)
    var resolved: KernelBackend {
        self == .avx2 && CPUFeatures.hasAVX2 ? .avx2 : .portable
    }
}
