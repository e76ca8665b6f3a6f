#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KernelsShim

/// What the CPU (and the operating system) supports, read once.
enum CPUFeatures {
    /// AVX2, FMA and F16C together: what the KernelsAVX2 target is compiled for.
    static let hasAVX2: Bool = {
        #if arch(x86_64) && os(Linux)
        guard let flags = cpuinfoFlags() else { return false }
        return flags.contains("avx2") && flags.contains("fma") && flags.contains("f16c")
        #elseif arch(x86_64) && canImport(Darwin)
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        guard sysctlbyname("hw.optional.avx2_0", &value, &size, nil, 0) == 0, value == 1 else { return false }
        guard sysctlbyname("hw.optional.fma", &value, &size, nil, 0) == 0, value == 1 else { return false }
        return true
        #else
        return false
        #endif
    }()

    /// AVX-512 F, BW, VL, DQ and VNNI with the operating system saving the opmask and zmm state
    /// (read from CPUID and XCR0), and AVX2: what the KernelsAVX512 target is compiled for.
    static let hasAVX512VNNI: Bool = {
        #if arch(x86_64)
        return hasAVX2 && switchyard_has_avx512_vnni() != 0
        #else
        return false
        #endif
    }()

    #if os(Linux)
    /// The `flags` line of /proc/cpuinfo (the kernel lists only features it enabled).
    private static func cpuinfoFlags() -> Set<Substring>? {
        guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            guard let line else { break }
            let text = String(cString: line)
            if text.hasPrefix("flags") {
                guard let colon = text.firstIndex(of: ":") else { return nil }
                return Set(text[text.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }))
            }
        }
        return nil
    }
    #endif
}
