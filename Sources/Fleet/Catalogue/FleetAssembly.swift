public import AsyncHTTPClient
public import Engine
import Foundation
public import Logging

/// Builds the served catalogue from a configuration file: embedded models (loaded now, or left
/// for their tier to load on wake), upstream models, and the tiers with their wakers.
public enum FleetAssembly {
    /// - Parameters:
    ///   - engine: the engine settings embedded models start from (a model's `context_window` overrides the length).
    ///   - tierCoordination: the database replicas share (PostgreSQL): one wake of each tier's
    ///     command for the whole fleet (`SharedCommandWaker`); `nil` on one machine.
    ///   - resolveModelPath: the local file of an embedded model's `model` (a catalogue name is pulled if missing).
    public static func build(
        configuration: FleetConfiguration, engine: EngineConfiguration, httpClient: HTTPClient, logger: Logger,
        tierCoordination: (any TierCoordination)? = nil,
        resolveModelPath: (String) async throws -> String
    ) async throws -> ModelCatalogue {
        var tierOfModel: [String: TierEntry] = [:]
        for tier in configuration.tiers {
            for model in tier.models { tierOfModel[model] = tier }
        }
        var models: [ServedModel] = []
        var slotsByTier: [String: [EmbeddedModelSlot]] = [:]
        var paths: [String: String] = [:]
        for entry in configuration.models {
            if case .embedded(let model) = entry.backend { paths[entry.name] = try await resolveModelPath(model) }
        }
        let slotCounts = try plannedSlots(configuration: configuration, engine: engine, paths: paths)
        for entry in configuration.models {
            let tier = tierOfModel[entry.name]
            switch entry.backend {
            case .embedded:
                guard let path = paths[entry.name] else { continue }
                if EmbeddingBackend.isEmbeddingModel(path: path) {
                    if let tier {
                        throw FleetError.invalidRequest(
                            message: "model '\(entry.name)' is an embedding model, which cannot sleep in tier '\(tier.name)' yet: serve it outside any tier",
                            param: nil, code: "invalid_configuration")
                    }
                    let backend = try EmbeddingBackend(
                        modelPath: path, id: entry.name, aliases: entry.aliases, threads: engine.threadCount)
                    models.append(ServedModel(descriptor: backend.descriptor, route: .backend(backend)))
                    continue
                }
                var settings = settings(of: entry, engine: engine)
                if let planned = slotCounts[entry.name] { settings.maxConcurrentSequences = planned }
                if let tier {
                    // Sized now from the file's header: the admission queue exists before the model loads.
                    settings.maxConcurrentSequences = try AutomaticSlots.count(modelPath: path, configuration: settings)
                    let slot = EmbeddedModelSlot(modelPath: path, id: entry.name, aliases: entry.aliases, configuration: settings, logger: logger)
                    slotsByTier[tier.name, default: []].append(slot)
                    var descriptor = ModelDescriptor(
                        id: entry.name, contextLength: settings.contextLength ?? 0, vocabularySize: 0, fingerprint: "",
                        created: fileDate(path), aliases: entry.aliases, supportsToolCalls: true)
                    descriptor.concurrency = .slots(settings.maxConcurrentSequences ?? AutomaticSlots.limit)
                    models.append(ServedModel(descriptor: descriptor, route: .embeddedSlot(slot), samplingDefaults: entry.samplingDefaults))
                } else {
                    let backend = try EmbeddedBackend(
                        modelPath: path, id: entry.name, aliases: entry.aliases, configuration: settings, logger: logger)
                    models.append(ServedModel(descriptor: backend.descriptor, route: .backend(backend), samplingDefaults: entry.samplingDefaults))
                }
            case .upstream(let upstreams):
                let backend = UpstreamBackend(
                    publicName: entry.name, targets: upstreams.map(UpstreamTarget.init), httpClient: httpClient, logger: logger,
                    responses: entry.responses, pool: entry.upstreamPool)
                backend.pool.startHealthChecks(httpClient: httpClient)
                var descriptor = ModelDescriptor(
                    id: entry.name, contextLength: entry.contextLength ?? 0, vocabularySize: 0, fingerprint: "",
                    created: Int(Date().timeIntervalSince1970), aliases: entry.aliases, supportsToolCalls: true)
                descriptor.concurrency = .upstream
                models.append(ServedModel(descriptor: descriptor, route: .upstream(backend), samplingDefaults: entry.samplingDefaults))
            }
        }
        var tiers: [Tier] = []
        for entry in configuration.tiers {
            var wakers: [any TierWaker] = []
            var activity: (any TierActivityRecorder)?
            let settings = TierSettings(entry)
            if let wake = entry.wake, wake.command != nil {
                let command = CommandWaker(tierName: entry.name, wake: wake, httpClient: httpClient, logger: logger)
                if let tierCoordination {
                    let shared = SharedCommandWaker(
                        inner: command, coordination: tierCoordination, idleTimeout: settings.idleTimeout, logger: logger)
                    wakers.append(shared)
                    activity = shared
                } else {
                    wakers.append(command)
                }
            }
            if let slots = slotsByTier[entry.name] { wakers.append(EmbeddedWaker(slots: slots)) }
            let tier = Tier(
                name: entry.name, models: entry.models, settings: settings, waker: CompositeWaker(wakers), logger: logger,
                activity: activity)
            tiers.append(tier)
            for index in models.indices where entry.models.contains(models[index].descriptor.id) {
                models[index].tier = tier
            }
        }
        return ModelCatalogue(models: models, tiers: tiers)
    }

    /// The engine settings of an embedded model: the fleet's, with its own context window.
    private static func settings(of entry: ModelEntry, engine: EngineConfiguration) -> EngineConfiguration {
        var settings = engine
        if let contextLength = entry.contextLength { settings.contextLength = contextLength }
        return settings
    }

    /// With several generating models in one process, their automatic slot counts share the
    /// machine's memory (`AutomaticSlots.counts(models:)`); one model plans alone when it loads.
    private static func plannedSlots(
        configuration: FleetConfiguration, engine: EngineConfiguration, paths: [String: String]
    ) throws -> [String: Int] {
        let generating = configuration.models.compactMap { entry -> (name: String, path: String, settings: EngineConfiguration)? in
            guard let path = paths[entry.name], !EmbeddingBackend.isEmbeddingModel(path: path) else { return nil }
            return (entry.name, path, settings(of: entry, engine: engine))
        }
        guard generating.count > 1 else { return [:] }
        let counts = try AutomaticSlots.counts(models: generating.map { ($0.path, $0.settings) })
        return Dictionary(zip(generating.map(\.name), counts), uniquingKeysWith: { first, _ in first })
    }

    private static func fileDate(_ path: String) -> Int {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.modificationDate] as? Date).map { Int($0.timeIntervalSince1970) } ?? 0
    }
}

extension ModelCatalogue {
    /// Stops the upstream health checks and every tier (their processes end, their models unload): call once the server stopped.
    public func shutdown() async {
        for model in models {
            if case .upstream(let backend) = model.route { await backend.pool.stopHealthChecks() }
        }
        for tier in tiers { await tier.shutdown() }
    }
}
