import Fleet
import Foundation

/// A fresh temporary folder per test for fleet databases, removed when released.
final class DatabaseScratch: Sendable {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchyard-fleet-db-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `<scratch>/switchyard.sqlite`.
    var databasePath: String { directory + "/switchyard.sqlite" }

    func open(readOnly: Bool = false) throws -> FleetDatabase {
        try FleetDatabase(path: databasePath, readOnly: readOnly)
    }

    /// The bytes of every file in the folder (the database, its WAL and shared-memory files).
    func allBytes() throws -> [(name: String, bytes: Data)] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted().map { name in
            (name, try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
        }
    }

    /// The permission bits of a path.
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }
}
