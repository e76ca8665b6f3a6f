import ArgumentParser
import Engine
import Foundation
import OpenAIWire

/// `switchyard run "prompt"`: one chat completion from the embedded engine, streamed to the terminal.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Stream a chat completion from the embedded engine to the terminal.")

    @OptionGroup var modelOptions: ModelOptions

    @Argument(help: "The user message.")
    var prompt: String

    @Option(help: "A system message.")
    var system: String?

    @Option(name: .customLong("max-tokens"), help: "Tokens to generate at most.")
    var maxTokens = 256

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0.7

    @Option(name: .customLong("top-p"), help: "Nucleus sampling threshold.")
    var topP: Float = 0.95

    @Option(help: "Seed for reproducible sampling.")
    var seed: UInt64?

    @Option(help: "Threads for the engine (default: every core).")
    var threads: Int?

    @Option(name: .customLong("json-schema"), help: "A JSON Schema file: the answer is JSON valid against it.")
    var jsonSchema: String?

    @Flag(help: "Print usage and speed after the answer.")
    var verbose = false

    func validate() throws {
        guard maxTokens > 0 else { throw ValidationError("--max-tokens must be positive") }
        guard temperature >= 0 else { throw ValidationError("--temperature must not be negative") }
    }

    func run() async throws {
        let path = try await modelOptions.resolvePath()
        let engine = try InferenceEngine(modelPath: path, configuration: EngineConfiguration(
            contextLength: 8192, maxConcurrentSequences: 1, threadCount: threads))
        var messages: [JSONValue] = []
        if let system { messages.append(["role": "system", "content": .string(system)]) }
        messages.append(["role": "user", "content": .string(prompt)])
        let promptTokens = try engine.chatPromptTokens(messages: .array(messages))
        var request = GenerationRequest(
            promptTokens: promptTokens,
            sampling: SamplingParameters(temperature: temperature, topP: topP, seed: seed),
            maxTokens: min(maxTokens, engine.modelInfo.contextLength - promptTokens.count))
        if let jsonSchema {
            let text = try String(contentsOfFile: jsonSchema, encoding: .utf8)
            do {
                request.constraint = .jsonSchema(try JSONValue.parse(text), strict: true)
            } catch {
                throw ValidationError("\(jsonSchema) is not JSON: \(error)")
            }
        }
        let clock = ContinuousClock()
        let start = clock.now
        var firstToken: ContinuousClock.Instant?
        for try await event in engine.generate(request) {
            switch event {
            case .token(let token):
                if firstToken == nil { firstToken = clock.now }
                FileHandle.standardOutput.write(Data(token.text.utf8))
            case .finished(let reason, let usage):
                print()
                if verbose {
                    let total = clock.now - start
                    let decode = firstToken.map { clock.now - $0 } ?? total
                    let rate = Double(max(usage.completionTokens - 1, 0)) / max(decode.inSeconds, 1e-9)
                    FileHandle.standardError.write(Data("""
                        [\(reason.rawValue)] prompt \(usage.promptTokens) tokens, completion \(usage.completionTokens) tokens, \
                        \(String(format: "%.1f", rate)) tokens/s

                        """.utf8))
                }
            case .promptScored, .toolCall:
                break
            }
        }
        engine.shutdown()
    }
}
