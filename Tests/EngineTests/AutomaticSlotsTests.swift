@_spi(Testing) import Engine
import Testing
import TestSupport

@Suite struct AutomaticSlotsTests {
    @Test func memoryCapsTheCountBelowTheLimit() {
        let gib = 1 << 30
        // Plenty of memory: the throughput limit.
        #expect(AutomaticSlots.count(kvBytesPerSlot: 180 << 20, weightBytes: 100 << 20, memoryBytes: 24 * gib) == AutomaticSlots.limit)
        // Half of (8 GiB - 1 GiB) over 1 GiB a slot: 3 slots.
        #expect(AutomaticSlots.count(kvBytesPerSlot: gib, weightBytes: gib, memoryBytes: 8 * gib) == 3)
        // Weights larger than memory, or a slot larger than the budget: one slot, never none.
        #expect(AutomaticSlots.count(kvBytesPerSlot: gib, weightBytes: 9 * gib, memoryBytes: 8 * gib) == 1)
        #expect(AutomaticSlots.count(kvBytesPerSlot: 64 * gib, weightBytes: gib, memoryBytes: 8 * gib) == 1)
    }

    @Test func modelsServedTogetherShareTheMemory() {
        let gib = 1 << 30
        // Half of (16 GiB - 2 GiB of weights) = 7 GiB: 3.5 GiB each, 3 slots of 1 GiB each
        // (one model alone would plan 7).
        #expect(AutomaticSlots.counts(plans: [(gib, nil), (gib, nil)], weightBytes: 2 * gib, memoryBytes: 16 * gib) == [3, 3])
        #expect(AutomaticSlots.count(kvBytesPerSlot: gib, weightBytes: 2 * gib, memoryBytes: 16 * gib) == 7)
        // A fixed count keeps its value and its cache comes off the budget first: 7 - 2 = 5 GiB
        // left for the automatic one.
        #expect(AutomaticSlots.counts(plans: [(gib, 2), (gib, nil)], weightBytes: 2 * gib, memoryBytes: 16 * gib) == [2, 5])
        // Fixed counts larger than the budget leave the automatic ones one slot, never none.
        #expect(AutomaticSlots.counts(plans: [(gib, 20), (gib, nil)], weightBytes: 2 * gib, memoryBytes: 16 * gib) == [20, 1])
        // Small caches still stop at the throughput limit.
        #expect(AutomaticSlots.counts(plans: [(1 << 20, nil), (1 << 20, nil)], weightBytes: gib, memoryBytes: 16 * gib)
            == [AutomaticSlots.limit, AutomaticSlots.limit])
    }

    @Test func modelsReadFromTheirFilesShareTheMemory() throws {
        let automatic = EngineConfiguration(contextLength: 8192, maxConcurrentSequences: nil)
        let fixed = EngineConfiguration(contextLength: 8192, maxConcurrentSequences: 3)
        let alone = try AutomaticSlots.count(modelPath: SharedFixtures.modelPath, configuration: automatic)
        let together = try AutomaticSlots.counts(models: [
            (SharedFixtures.modelPath, automatic), (SharedFixtures.modelPath, fixed), (SharedFixtures.modelPath, automatic),
        ])
        #expect(together[1] == 3)
        #expect(together[0] == together[2])
        #expect((1...alone).contains(together[0]))
    }

    @Test func aConfiguredCountIsKept() throws {
        let configuration = EngineConfiguration(contextLength: 8192, maxConcurrentSequences: 5)
        #expect(try AutomaticSlots.count(modelPath: SharedFixtures.modelPath, configuration: configuration) == 5)
    }

    @Test func smolLM2SlotsHoldEveryLayerAtTheFullContext() throws {
        // 30 layers, keys and values of 3 KV heads x 64 in halves, 8192 positions.
        let configuration = EngineConfiguration(contextLength: 8192, maxConcurrentSequences: nil)
        #expect(try AutomaticSlots.cacheBytesPerSlot(modelPath: SharedFixtures.modelPath, configuration: configuration)
            == 30 * 2 * 192 * 8192 * 2)
    }

    @Test(.enabled(if: SharedFixtures.gemma3Available, "gemma3-270m is not pulled"))
    func gemmaSlidingLayersHoldOnlyTheirRing() throws {
        // 18 layers of one 256-wide KV head: 15 sliding ones keep a ring of window 512 + chunk 256
        // = 768 rows, the 3 global ones all 8192 positions.
        let configuration = EngineConfiguration(contextLength: 8192, maxConcurrentSequences: nil)
        #expect(try AutomaticSlots.cacheBytesPerSlot(modelPath: SharedFixtures.gemma3ModelPath, configuration: configuration)
            == 2 * 256 * 2 * (15 * 768 + 3 * 8192))
    }

    @Test func theLoadedEngineUsesThePlannedCount() throws {
        // A tier's admission queue is sized from the header before its model loads: both must agree.
        let configuration = EngineConfiguration(contextLength: 1024, maxConcurrentSequences: nil)
        let planned = try AutomaticSlots.count(modelPath: SharedFixtures.modelPath, configuration: configuration)
        let engine = try InferenceEngine(modelPath: SharedFixtures.modelPath, configuration: configuration)
        defer { engine.shutdown() }
        #expect(engine.slotCount == planned)
        #expect((1...AutomaticSlots.limit).contains(planned))
    }
}
