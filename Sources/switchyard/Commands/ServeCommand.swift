import ArgumentParser
import Engine
import Fleet
import Foundation
import Hummingbird
import Logging
import ModelStore
import Server
import ServiceLifecycle
import UnixSignals

/// `switchyard serve`: the OpenAI-compatible HTTP API over the embedded engine.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the OpenAI-compatible API (/v1/chat/completions, /v1/completions, /v1/models...) over the embedded engine."
    )

    @Option(help: "Address to listen on. Without an API key only loopback addresses are allowed.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .customLong("api-key"), help: "An accepted API key (repeatable). SWITCHYARD_API_KEYS adds a comma-separated list.")
    var apiKeys: [String] = []

    @Flag(help: "Answer unknown request fields with 400 instead of ignoring them (they are always listed in x-switchyard-ignored).")
    var strictParams = false

    @Option(help: "Requests generating at once.")
    var maxConcurrent = 8

    @Option(help: "Requests that may wait for a generation slot; beyond that the server answers 429.")
    var maxQueue = 64

    @Option(help: "Context window in tokens (capped by the model's own).")
    var contextLength = 8192

    @Option(help: "Compute threads (default: one per core).")
    var threads: Int?

    @Option(help: "Seconds in-flight requests get to finish after SIGINT/SIGTERM.")
    var shutdownGrace = 30

    @Option(help: "Largest accepted request body, in bytes (larger ones get 413).")
    var maxBodyBytes = 4 << 20

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard maxConcurrent >= 1 else { throw ValidationError("--max-concurrent must be at least 1") }
        guard maxQueue >= 0 else { throw ValidationError("--max-queue must not be negative") }
        guard contextLength >= 16 else { throw ValidationError("--context-length must be at least 16") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
    }

    func run() async throws {
        var logger = Logger(label: "switchyard")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let environment = ProcessInfo.processInfo.environment
        let keys = apiKeys + (environment["SWITCHYARD_API_KEYS"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let configuration = ServerConfiguration(
            host: host, port: port, apiKeys: keys, strictParams: strictParams, maxBodyBytes: maxBodyBytes,
            maxActive: maxConcurrent, maxQueue: maxQueue, shutdownGracePeriod: .seconds(shutdownGrace))
        do {
            try configuration.validate()
        } catch {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(2)
        }

        let modelPath = try await modelOptions.resolvePath()
        // A catalogue name is the model's id; a path gives its file name.
        let isPath = modelOptions.model.contains("/") || modelOptions.model.lowercased().hasSuffix(".gguf")
        let backend = try EmbeddedBackend(
            modelPath: modelPath, id: isPath ? nil : modelOptions.model,
            configuration: EngineConfiguration(contextLength: contextLength, maxConcurrentSequences: maxConcurrent, threadCount: threads),
            logger: logger)
        let application = SwitchyardApplication.build(
            configuration: configuration, catalogue: ModelCatalogue([backend]), logger: logger)

        if keys.isEmpty {
            logger.notice("no API key configured: listening on loopback only (\(host)); set --api-key or SWITCHYARD_API_KEYS to listen elsewhere")
        }
        logger.notice(
            "serving \(backend.descriptor.id) (context \(backend.descriptor.contextLength) tokens) at http://\(host):\(port)/v1")

        var groupConfiguration = ServiceGroupConfiguration(
            services: [.init(service: application)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGracePeriod
        try await ServiceGroup(configuration: groupConfiguration).run()
    }
}
