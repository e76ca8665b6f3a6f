import ArgumentParser
import AsyncHTTPClient
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
        abstract: "Serve the OpenAI-compatible API (/v1/chat/completions, /v1/completions, /v1/models...) over the embedded engine.",
        discussion: """
            Without --config, serves the embedded models named by --model (repeatable; default smollm2-135m-instruct), \
            each under its own id in /v1/models with its own tokenizer, chat template and context window, all sharing \
            one compute pool step by step. With --config FILE (see examples/switchyard.yaml), \
            serves the file's catalogue: embedded and upstream models, in tiers that sleep when idle and wake on the \
            first request. Keys made with `switchyard keys create` are checked on every request once any exists, \
            and every completion request gets a row in the usage ledger ($SWITCHYARD_HOME/switchyard.sqlite).
            """
    )

    @Option(help: "A fleet configuration file (YAML): models, upstreams and tiers.")
    var config: String?

    @Option(help: "The key and usage database: a SQLite file, or postgres://USER@HOST:PORT/DB shared by replicas (default: the config's database:, SWITCHYARD_DATABASE_URL, else $SWITCHYARD_HOME/switchyard.sqlite).")
    var database: String?

    @Option(help: ArgumentHelp(
        "Keep usage rows this long, deleting older ones at start-up and then hourly: a number and s, m, h, d or w (90d). Default: keep all.",
        valueName: "duration"))
    var usageRetention: UsageCommand.Window?

    @Option(name: .customLong("admin-key"), help: "A key that may also call the admin endpoints (repeatable). SWITCHYARD_ADMIN_KEY adds one.")
    var adminKeys: [String] = []

    @Option(help: "Address to listen on. Without an API key only loopback addresses are allowed.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(name: .customLong("model"), help: ArgumentHelp(
        "A known model name (smollm2-135m-instruct, all-minilm-l6-v2...), the path of a .gguf file, or an embedding model's model.safetensors (repeatable: each is served under its own id).",
        valueName: "model"))
    var models: [String] = []

    @Option(name: .long, help: "Model store directory (default: $SWITCHYARD_HOME, else ~/.cache/switchyard).")
    var home: String?

    @Option(name: .customLong("api-key"), help: "An accepted API key (repeatable). SWITCHYARD_API_KEYS adds a comma-separated list.")
    var apiKeys: [String] = []

    @Flag(help: "Answer unknown request fields with 400 instead of ignoring them (they are always listed in x-switchyard-ignored).")
    var strictParams = false

    @Flag(name: .customLong("gateway-fast-path"), inversion: .prefixedNo,
          help: "Serve non-streamed completions of upstream models in the connection's pipeline, without the router (same responses); --no-gateway-fast-path sends every request through the router.")
    var gatewayFastPath = true

    @Option(help: "Requests an embedded model generates at once (default: up to 32, fewer where memory cannot hold that many full contexts). Upstream models are limited per target by max_concurrency instead.")
    var maxConcurrent: Int?

    @Option(help: "Requests that may wait for a generation slot; beyond that the server answers 429.")
    var maxQueue = 64

    @Option(help: "Context window in tokens (capped by the model's own).")
    var contextLength = 8192

    @Option(help: "Compute threads (default: one per core).")
    var threads: Int?

    @Option(name: .customLong("speculative-draft"), help: ArgumentHelp(
        "Prompt-lookup speculative decoding for an embedded model while it serves one request: draft tokens a step verifies at most (0: off, at most \(EngineConfiguration.maximumSpeculativeDraftTokens)). Outputs are identical either way; it pays where replies quote their prompt.",
        valueName: "tokens"))
    var speculativeDraft = 0

    @Option(help: "Seconds in-flight requests get to finish after SIGINT/SIGTERM.")
    var shutdownGrace = 30

    @Option(help: "Largest accepted request body, in bytes (larger ones get 413).")
    var maxBodyBytes = 4 << 20

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: "A Jinja chat template file used instead of the models' own (as llama-server's); it also decides the tool-call syntax (Hermes <tool_call>, Llama 3.x JSON).")
    var chatTemplateFile: String?

    func validate() throws {
        if config != nil, !models.isEmpty {
            throw ValidationError("--model and --config are exclusive: list the models in the configuration file")
        }
        let ids = (models.isEmpty ? [ModelStore.defaultModelName] : models).map(Self.servedID)
        if let duplicate = ids.first(where: { id in ids.filter { $0 == id }.count > 1 }) {
            throw ValidationError("--model '\(duplicate)' is given twice")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        if let maxConcurrent, maxConcurrent < 1 { throw ValidationError("--max-concurrent must be at least 1") }
        guard maxQueue >= 0 else { throw ValidationError("--max-queue must not be negative") }
        guard (0...EngineConfiguration.maximumSpeculativeDraftTokens).contains(speculativeDraft) else {
            throw ValidationError("--speculative-draft must be between 0 and \(EngineConfiguration.maximumSpeculativeDraftTokens)")
        }
        guard contextLength >= 16 else { throw ValidationError("--context-length must be at least 16") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
        if config != nil, chatTemplateFile != nil {
            throw ValidationError("--chat-template-file applies to --model models, not to a --config fleet")
        }
    }

    func run() async throws {
        var logger = Logger(label: "switchyard")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let environment = ProcessInfo.processInfo.environment
        let keys = apiKeys + (environment["SWITCHYARD_API_KEYS"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let admin = adminKeys + [environment["SWITCHYARD_ADMIN_KEY"]].compactMap { $0 }.filter { !$0.isEmpty }
        let accounts = try await openAccounts(adminKeys: admin, logger: logger)
        var configuration = ServerConfiguration(
            host: host, port: port, apiKeys: keys, strictParams: strictParams, maxBodyBytes: maxBodyBytes,
            maxActive: maxConcurrent ?? AutomaticSlots.limit, maxQueue: maxQueue, shutdownGracePeriod: .seconds(shutdownGrace))
        configuration.gatewayFastPath = gatewayFastPath
        do {
            let databaseKeys = try await accounts.keyStore?.hasActiveKeys() ?? false
            try configuration.validate(otherKeys: databaseKeys || !admin.isEmpty)
        } catch let error as ServerError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(2)
        }

        var engine = EngineConfiguration(contextLength: contextLength, maxConcurrentSequences: maxConcurrent, threadCount: threads,
                                         speculativeDraftTokens: speculativeDraft)
        if let chatTemplateFile {
            do {
                engine.chatTemplate = try String(contentsOfFile: chatTemplateFile, encoding: .utf8)
            } catch {
                FileHandle.standardError.write(Data("error: cannot read --chat-template-file '\(chatTemplateFile)': \(error.localizedDescription)\n".utf8))
                throw ExitCode(2)
            }
        }
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: UpstreamBackend.httpClientConfiguration())
        let catalogue: ModelCatalogue
        do {
            // Replicas on one PostgreSQL database wake each tier once for the whole fleet.
            let coordination = accounts.store as? any TierCoordination
            catalogue = try await makeCatalogue(engine: engine, httpClient: httpClient, coordination: coordination, logger: logger)
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        let application = SwitchyardApplication.build(
            configuration: configuration, catalogue: catalogue, accounts: accounts, logger: logger)

        if keys.isEmpty, admin.isEmpty, configuration.isLoopback {
            logger.notice("no API key on the command line: listening on loopback only (\(host)); set --api-key, SWITCHYARD_API_KEYS or create keys with `switchyard keys create` to listen elsewhere")
        }
        for model in catalogue.models {
            let tierNote = model.tier.map { " in tier \($0.name) (asleep until the first request)" } ?? ""
            logger.notice("serving \(model.descriptor.id)\(tierNote) at http://\(host):\(port)/v1")
        }

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: application)]
        if let usageRetention, let ledger = accounts.ledger {
            services.append(
                .init(
                    service: UsageRetention(
                        ledger: ledger, responses: accounts.responses, keep: .seconds(usageRetention.seconds), logger: logger)))
        }
        services += accountServices(accounts)
        // Last in the group, so shut down first: pooled upstream connections stop being kept
        // while the server finishes the requests in flight.
        services.append(.init(service: UpstreamConnectionsCloser()))
        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGracePeriod
        do {
            try await ServiceGroup(configuration: groupConfiguration).run()
        } catch {
            await catalogue.shutdown()
            try? await httpClient.shutdown()
            await accounts.close()
            throw error
        }
        // Tiers started processes of their own: end them with the server.
        await catalogue.shutdown()
        try? await httpClient.shutdown()
        await accounts.close()
    }

    /// The id a `--model` value is served under: a catalogue name itself, a path its file name
    /// without `.gguf`, an embedding model's `model.safetensors` its folder's name.
    static func servedID(_ model: String) -> String {
        let url = URL(fileURLWithPath: model)
        if model.lowercased().hasSuffix(".safetensors") { return url.deletingLastPathComponent().lastPathComponent }
        let isPath = model.contains("/") || model.lowercased().hasSuffix(".gguf")
        return isPath ? url.deletingPathExtension().lastPathComponent : model
    }

    /// `--model` and `--home` for one model, to resolve (and pull) it as every command does.
    private func modelOptions(for model: String) throws -> ModelOptions {
        try ModelOptions.parse(["--model", model] + (home.map { ["--home", $0] } ?? []))
    }

    /// The models to serve: the configuration file's, or the `--model` ones. Either way the
    /// catalogue is assembled by `FleetAssembly`, so every kind of embedded model it knows
    /// is served the same way from the command line and from a file.
    private func makeCatalogue(
        engine: EngineConfiguration, httpClient: HTTPClient, coordination: (any TierCoordination)?, logger: Logger
    ) async throws -> ModelCatalogue {
        let fleet: FleetConfiguration
        var resolveRelativeTo: URL?
        if let config {
            do {
                fleet = try FleetConfiguration.load(path: config)
            } catch {
                FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
                throw ExitCode(2)
            }
            resolveRelativeTo = URL(fileURLWithPath: config).deletingLastPathComponent()
        } else {
            let names = models.isEmpty ? [ModelStore.defaultModelName] : models
            fleet = FleetConfiguration(models: names.map { ModelEntry(name: Self.servedID($0), backend: .embedded(model: $0)) })
        }
        // Several embedded models share one pool, taking turns step by step, instead of each
        // starting a thread per core.
        var engine = engine
        let embeddedCount = fleet.models.filter { if case .embedded = $0.backend { true } else { false } }.count
        if embeddedCount > 1 { engine.sharedCompute = SharedCompute(threadCount: threads) }
        return try await FleetAssembly.build(
            configuration: fleet, engine: engine, httpClient: httpClient, logger: logger, tierCoordination: coordination
        ) { model in
            // A relative .gguf path in the file is relative to the file.
            let isPath = model.contains("/") || model.lowercased().hasSuffix(".gguf") || model.lowercased().hasSuffix(".safetensors")
            let located = if let resolveRelativeTo, isPath, !model.hasPrefix("/") {
                resolveRelativeTo.appendingPathComponent(model).path
            } else {
                model
            }
            return try await modelOptions(for: located).resolvePath()
        }
    }
}
