import Foundation
import Templating
import TestSupport

/// Renders templates with Python's jinja2 (Tests/TemplatingTests/render_reference.py, set
/// up as Hugging Face transformers does) and with `ChatTemplate`, for comparison.
enum ReferenceRenderer {
    static let directory = SharedFixtures.packageRoot.appendingPathComponent("Tests/TemplatingTests")
    static let templatesDirectory = directory.appendingPathComponent("Templates")

    /// What a renderer produced: the text, or the failure message.
    enum Outcome: Equatable, CustomStringConvertible {
        case rendered(String)
        case failed(String)

        var description: String {
            switch self {
            case .rendered(let text): "rendered \(text.debugDescription)"
            case .failed(let message): "failed: \(message)"
            }
        }

        var isFailure: Bool { if case .failed = self { true } else { false } }
    }

    static func templateSource(_ name: String) throws -> String {
        try String(contentsOf: templatesDirectory.appendingPathComponent(name), encoding: .utf8)
    }

    /// jinja2's rendering of `source` with the JSON object `contextJSON` as variables.
    static func python(source: String, contextJSON: String) throws -> Outcome {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("templating-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let templateURL = scratch.appendingPathComponent("template.jinja")
        let contextURL = scratch.appendingPathComponent("context.json")
        try Data(source.utf8).write(to: templateURL)
        try Data(contextJSON.utf8).write(to: contextURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", directory.appendingPathComponent("render_reference.py").path, templateURL.path, contextURL.path]
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        switch process.terminationStatus {
        case 0: return .rendered(String(decoding: output, as: UTF8.self))
        case 3: return .failed(String(decoding: errors, as: UTF8.self))
        default:
            throw ReferenceError(message: "render_reference.py exited with \(process.terminationStatus): \(String(decoding: errors, as: UTF8.self))")
        }
    }

    /// `ChatTemplate`'s rendering of the same inputs.
    static func swift(source: String, contextJSON: String) -> Outcome {
        do {
            guard case .object(let object) = try TemplateValue(json: contextJSON) else { return .failed("context is not an object") }
            var context: [String: TemplateValue] = [:]
            for entry in object { context[entry.key] = entry.value }
            return .rendered(try ChatTemplate(source: source).render(context))
        } catch {
            return .failed(error.description)
        }
    }

    struct ReferenceError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
