#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hands pages of the model file's read-only mapping back to the OS once nothing reads them
/// any more (the metadata after loading, Q4_K matrices after repacking), so they stop counting
/// in the process's resident memory. Safe whatever reads them later: a private read-only file
/// mapping refills a dropped page from the file on the next touch.
enum ResidentPages {
    /// Drops the whole pages inside `range` of the mapping.
    static func release(_ range: UnsafeRawBufferPointer) {
        guard let base = range.baseAddress, range.count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0 else { return }
        let start = (Int(bitPattern: base) + page - 1) / page * page
        let end = (Int(bitPattern: base) + range.count) / page * page
        guard end > start, let address = UnsafeMutableRawPointer(bitPattern: start) else { return }
        madvise(address, end - start, Int32(MADV_DONTNEED))
    }
}
