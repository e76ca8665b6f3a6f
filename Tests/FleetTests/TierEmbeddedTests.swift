import Engine
import Fleet
import Foundation
import Testing
import TestSupport

/// Embedded models as a tier: loaded on wake, unloaded on sleep.
@Suite struct TierEmbeddedTests {
    static let modelExists = FileManager.default.fileExists(atPath: SharedFixtures.modelPath)

    static func slot(path: String = SharedFixtures.modelPath) -> EmbeddedModelSlot {
        EmbeddedModelSlot(
            modelPath: path, id: "smollm2", aliases: ["small"],
            configuration: EngineConfiguration(contextLength: 256, maxConcurrentSequences: 1, threadCount: 1),
            logger: TierTestSupport.logger)
    }

    @Test func aModelThatCannotLoadFailsTheWakeWithTheReason() async throws {
        let slot = Self.slot(path: "/nonexistent/model.gguf")
        let tier = TierTestSupport.tier(EmbeddedWaker(slots: [slot]))
        do {
            _ = try await tier.acquire()
            Issue.record("the wake should fail")
        } catch let error as FleetError {
            guard case .wakeFailed(let name, let reason) = error else {
                Issue.record("expected wakeFailed, got \(error)")
                return
            }
            #expect(name == "t")
            #expect(reason.hasPrefix("cannot load the model 'smollm2'"))
        }
        #expect(slot.backend == nil)
    }

    @Test(.enabled(if: modelExists, "needs the real model (SharedFixtures.modelPath)"))
    func theTierLoadsItsModelOnWakeAndUnloadsItOnSleep() async throws {
        let slot = Self.slot()
        #expect(slot.backend == nil)
        let tier = TierTestSupport.tier(EmbeddedWaker(slots: [slot]))
        let lease = try await tier.acquire()
        let backend = try #require(slot.backend)
        #expect(backend.descriptor.id == "smollm2")
        #expect(backend.descriptor.aliases.contains("small"))
        #expect(!(try backend.tokenize("Hello", addSpecialTokens: false)).isEmpty)
        lease.release()
        await tier.sleep()
        #expect(slot.backend == nil)
        _ = try await tier.acquire()
        #expect(slot.backend != nil)
        await tier.shutdown()
        #expect(slot.backend == nil)
    }

    @Test(.enabled(if: modelExists, "needs the real model (SharedFixtures.modelPath)"))
    func concurrentLoadsShareOne() async throws {
        let slot = Self.slot()
        async let first: Void = slot.load()
        async let second: Void = slot.load()
        _ = try await (first, second)
        let backend = try #require(slot.backend)
        try await slot.load()
        #expect(slot.backend === backend, "loading a loaded model keeps it")
        slot.unload()
        #expect(slot.backend == nil)

    }

    @Test func aCompositeWakerWakesInOrderAndStopsInReverse() async throws {
        let first = ScriptedWaker([.succeed(after: .zero)])
        let second = ScriptedWaker([.fail("second failed", after: .zero), .succeed(after: .zero)])
        let composite = CompositeWaker([first, second])
        await #expect(throws: ScriptedWaker.Failure.self) { try await composite.wake() }
        #expect(first.wakes == 1 && second.wakes == 1)
        await composite.stop()
        #expect(first.stops == 1 && second.stops == 1)
        try await composite.wake()
        #expect(first.wakes == 2 && second.wakes == 2)
    }
}
