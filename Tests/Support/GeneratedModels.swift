import Foundation

/// The generated test models (scripts/testmodels: tiny random-weight qwen2, qwen3, llama 3, mistral and
/// phi3 files in F32, Q8_0 and Q4_K_M) and llama.cpp's references for them, committed in
/// scripts/testmodels/references. The model files themselves are made by scripts/testmodels/make.sh
/// (scripts/test.sh runs it) into `$SWITCHYARD_TESTMODELS`, else `$SWITCHYARD_HOME/testmodels`.
public enum GeneratedModels {
    /// One teacher-forcing reference: a model file, the context size llama-server ran with, and its JSON.
    public struct Reference: Sendable {
        public var model: String
        public var type: String
        public var file: String
        public var family: String
        public var architecture: String
        public var contextLength: Int
        public var referenceFile: String

        /// How tests name it: `qwen2.Q8_0`, with `@8192` where the context is not 4096.
        public var id: String { "\(model).\(type)" + (contextLength == 4096 ? "" : "@\(contextLength)") }
    }

    public static var referencesDirectory: URL {
        SharedFixtures.packageRoot.appendingPathComponent("scripts/testmodels/references")
    }

    /// Where make.sh writes the model files.
    public static var directory: String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["SWITCHYARD_TESTMODELS"] { return path }
        let home = environment["SWITCHYARD_HOME"] ?? (environment["HOME"] ?? "/root") + "/.cache/switchyard"
        return home + "/testmodels"
    }

    public static func path(of file: String) -> String { directory + "/" + file }

    /// Whether make.sh has run (the last file it writes is present). Tests skip when it has not,
    /// except under CI (`CI=true`), where a missing model must fail rather than skip.
    public static var available: Bool {
        FileManager.default.fileExists(atPath: path(of: "qwen3.Q8_0.gguf"))
            && FileManager.default.fileExists(atPath: path(of: "phi3.F32.gguf"))
    }

    public static var runsOrRequired: Bool {
        available || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    /// Every teacher-forcing reference of references/index.json.
    public static func references() throws -> [Reference] {
        let data = try Data(contentsOf: referencesDirectory.appendingPathComponent("index.json"))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = root["references"] as? [[String: Any]] else {
            throw FixtureError("index.json has no 'references' list")
        }
        return try list.map { entry in
            guard let model = entry["model"] as? String, let type = entry["type"] as? String,
                  let file = entry["file"] as? String, let family = entry["family"] as? String,
                  let architecture = entry["architecture"] as? String, let context = entry["n_ctx"] as? Int,
                  let reference = entry["reference"] as? String else {
                throw FixtureError("index.json entry \(entry) lacks a field")
            }
            return Reference(model: model, type: type, file: file, family: family, architecture: architecture,
                             contextLength: context, referenceFile: reference)
        }
    }

    /// The reference named `id` (see `Reference.id`).
    public static func reference(_ id: String) throws -> Reference {
        guard let found = try references().first(where: { $0.id == id }) else {
            throw FixtureError("no reference '\(id)' in scripts/testmodels/references/index.json")
        }
        return found
    }

    /// Reads and parses a JSON file of scripts/testmodels/references.
    public static func json(_ name: String) throws -> Any {
        let data = try Data(contentsOf: referencesDirectory.appendingPathComponent(name))
        return try JSONSerialization.jsonObject(with: data)
    }

    public struct FixtureError: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
