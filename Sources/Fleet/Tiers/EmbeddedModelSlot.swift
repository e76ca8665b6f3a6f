public import Engine
import Foundation
public import Logging
import Synchronization
import OpenAIWire

/// An embedded model that is loaded on demand and unloaded when its tier sleeps.
///
/// Loading maps the GGUF file and builds the engine on a thread of its own (it takes from
/// half a second to minutes, and must not hold a cooperative-pool thread); unloading shuts
/// the engine down and drops it, so that the mapping goes once the last request using it ends.
public final class EmbeddedModelSlot: Sendable {
    public let modelPath: String
    public let id: String
    public let aliases: [String]
    public let configuration: EngineConfiguration
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var backend: EmbeddedBackend?
        var loading: Task<Void, any Error>?
        /// Bumped by every unload, so that a load finishing after it is discarded.
        var generation = 0
    }

    public init(modelPath: String, id: String, aliases: [String] = [], configuration: EngineConfiguration, logger: Logger) {
        self.modelPath = modelPath
        self.id = id
        self.aliases = aliases
        self.configuration = configuration
        self.logger = logger
    }

    /// The loaded backend; nil while unloaded.
    public var backend: EmbeddedBackend? { state.withLock { $0.backend } }

    /// Loads the model unless it is loaded; concurrent calls share one load.
    /// - Throws: the engine's error when the file cannot be loaded.
    public func load() async throws {
        let task: Task<Void, any Error>? = state.withLock { state in
            if state.backend != nil { return nil }
            if let loading = state.loading { return loading }
            let generation = state.generation
            let loading = Task.detached { [self] in
                let backend = try await loadOnThread()
                let kept = self.state.withLock { state in
                    guard state.generation == generation else { return false }
                    state.backend = backend
                    state.loading = nil
                    return true
                }
                if !kept { backend.engine.shutdown() }  // unloaded while it was loading
            }
            state.loading = loading
            return loading
        }
        guard let task else { return }
        do {
            try await task.value
        } catch {
            state.withLock { state in
                if state.loading == task { state.loading = nil }
            }
            throw error
        }
    }

    /// Shuts the engine down (requests still running on it fail) and drops it; a load in
    /// progress is discarded when it finishes.
    public func unload() {
        let backend = state.withLock { state in
            state.generation += 1
            state.loading = nil
            defer { state.backend = nil }
            return state.backend
        }
        if let backend {
            backend.engine.shutdown()
            logger.info("model unloaded", metadata: ["model.id": .string(id)])
        }
    }

    private func loadOnThread() async throws -> EmbeddedBackend {
        let (modelPath, id, aliases, configuration, logger) = (modelPath, id, aliases, configuration, logger)
        let started = ContinuousClock.now
        let backend = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<EmbeddedBackend, any Error>) in
            let thread = Thread {
                continuation.resume(
                    with: Result {
                        try EmbeddedBackend(
                            modelPath: modelPath, id: id, aliases: aliases, configuration: configuration, logger: logger)
                    })
            }
            thread.name = "switchyard.model-load"
            thread.start()
        }
        logger.info(
            "model loaded",
            metadata: ["model.id": .string(id), "model.load_s": .stringConvertible((ContinuousClock.now - started).inSeconds)])
        return backend
    }
}
