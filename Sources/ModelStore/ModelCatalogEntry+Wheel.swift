import Foundation

extension ModelCatalogEntry {
    /// The wheel of this package version in `directory`, if one is there.
    public func matchingWheel(in directory: URL) -> URL? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return nil }
        let prefix = wheelFileNamePrefix
        return names.sorted()
            .first { $0.lowercased().hasPrefix(prefix) && $0.lowercased().hasSuffix(".whl") }
            .map { directory.appendingPathComponent($0) }
    }
}
