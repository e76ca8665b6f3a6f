import Foundation
import ModelStore
import Testing

/// The built `switchyard` binary, found beside the test bundle (skipped where it is absent).
enum SwitchyardBinary {
    static let url: URL? = {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [URL] = []
        if let path = environment["SWITCHYARD_BIN"] { candidates.append(URL(fileURLWithPath: path)) }
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        // The runner is .build/<config>/<name>.xctest (a file on Linux, a bundle on macOS).
        for directory in [runner.deletingLastPathComponent(), runner.deletingLastPathComponent().deletingLastPathComponent()] {
            candidates.append(directory.appendingPathComponent("switchyard"))
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    struct Outcome {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    static func run(_ arguments: [String], environment overrides: [String: String]) throws -> Outcome {
        let process = Process()
        process.executableURL = url  // the suite runs only when it was found
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(overrides) { _, new in new }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self))
    }
}

@Suite(.enabled(if: SwitchyardBinary.url != nil, "the switchyard binary is not built beside the tests"))
struct CommandLineTests {
    let scratch: ScratchDirectory
    let environment: [String: String]

    init() throws {
        scratch = try ScratchDirectory()
        environment = ["SWITCHYARD_HOME": scratch.path("home").path]
    }

    @Test func pullALocalFilePrintsJSON() throws {
        let bytes = TinyGGUF.bytes()
        let file = scratch.path("x.gguf")
        try bytes.write(to: file)

        let outcome = try SwitchyardBinary.run(["pull", file.path, "--json"], environment: environment)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.hasPrefix("{\"path\": "))
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
        #expect(object["path"] as? String == file.resolvingSymlinksInPath().path)
        #expect(object["sha256"] as? String == FakeWheel.sha256(bytes))
        #expect((object["bytes"] as? NSNumber)?.intValue == bytes.count)
        // One progress renderer for pull and the kit: silent unless stdout and stderr are terminals.
        #expect(!outcome.standardError.contains("Verifying"), "no progress when not on a terminal")
        #expect(!outcome.standardError.contains("\r"), "no redraws when standard error is not a terminal")
    }

    @Test func errorsGoToStandardErrorWithMeaningfulStatus() throws {
        let missing = try SwitchyardBinary.run(["pull", scratch.path("absent.gguf").path], environment: environment)
        #expect(missing.status == 2)
        #expect(missing.standardOutput.isEmpty)
        #expect(missing.standardError.contains("no file at"))

        let notGGUF = scratch.path("notes.gguf")
        try Data("plain text".utf8).write(to: notGGUF)
        let rejected = try SwitchyardBinary.run(["pull", notGGUF.path], environment: environment)
        #expect(rejected.status == 2)
        #expect(rejected.standardError.contains("not a usable GGUF model file"))

        let unknown = try SwitchyardBinary.run(["pull", "no-such-model"], environment: environment)
        #expect(unknown.status == 2)
        #expect(unknown.standardError.contains(ModelStore.defaultModelName))
    }

    @Test func aMissingPythonIsExplained() throws {
        var environment = environment
        environment["SWITCHYARD_PYTHON"] = scratch.path("no/python3").path
        let outcome = try SwitchyardBinary.run(["pull", "-q"], environment: environment)
        #expect(outcome.status == 3)
        #expect(outcome.standardError.contains("cannot find Python"))
        #expect(outcome.standardError.contains("SWITCHYARD_PYTHON"))
    }

    @Test func pullingAStoredModelDoesNothing() throws {
        // A file of the right size counts as stored: nothing is fetched without --verify.
        let entry = try #require(ModelCatalog.standard.entry(named: ModelStore.defaultModelName))
        let models = scratch.path("home/models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        let stored = models.appendingPathComponent(entry.fileName)
        #expect(FileManager.default.createFile(atPath: stored.path, contents: nil))
        let handle = try FileHandle(forWritingTo: stored)
        try handle.truncate(atOffset: UInt64(entry.byteCount))
        try handle.close()

        var environment = environment
        environment["SWITCHYARD_PYTHON"] = scratch.path("no/python3").path  // would fail if used
        let outcome = try SwitchyardBinary.run(["pull", "--json"], environment: environment)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
        #expect(object["path"] as? String == stored.standardizedFileURL.path)
        #expect(object["sha256"] as? String == entry.sha256)

        let human = try SwitchyardBinary.run(["pull"], environment: environment)
        #expect(human.standardOutput.contains("already in the store"))
        #expect(human.standardOutput.contains(stored.standardizedFileURL.path))
    }
}
