import Engine
import Testing

/// How a step chunks a prompt: small chunks while others decode, and every row in a micro-batch
/// of the size llama-server gives it (the kernels ggml picks depend on it).
struct PromptChunkingTests {
    let chunking = PromptChunking(capacity: 256, whileDecoding: 64, breaks: .none)

    /// The chunks a prompt of `count` tokens is cut into when every step has `budget` tokens.
    func chunks(_ chunking: PromptChunking, count: Int, cached: Int = 0, decoding: Bool = false) -> [Int] {
        var evaluated = 0
        var result: [Int] = []
        while evaluated < count - cached {
            let budget = chunking.budget(decoding: decoding)
            let take = chunking.tokensToTake(
                evaluated: evaluated, remaining: count - cached - evaluated, limit: budget, room: chunking.capacity)
            #expect(take > 0)
            guard take > 0 else { break }
            result.append(take)
            evaluated += take
        }
        return result
    }

    @Test func whileOthersDecodeAStepTakesASmallChunk() {
        #expect(chunking.budget(decoding: true) == 64)
        #expect(chunking.budget(decoding: false) == 256)
        let pieces = chunks(chunking, count: 2000, decoding: true)
        #expect(pieces.reduce(0, +) == 2000)
        #expect(pieces.allSatisfy { $0 >= 64 && $0 < 128 })
    }

    @Test func noTiledMicroBatchLeavesATailUnder64Rows() {
        // 300 tokens are one 300-row micro-batch in llama-server: 236 + 64, both tiled, both multiples of 4.
        #expect(chunks(chunking, count: 300) == [236, 64])
        // While decoding, a tail that fits the step's room is taken with the last chunk.
        #expect(chunks(chunking, count: 100, decoding: true) == [100])
        // Short prompts are one chunk, as one micro-batch of fewer than 64 rows.
        #expect(chunks(chunking, count: 40, decoding: true) == [40])
    }

    @Test func chunksStayInsideLlamaServersMicroBatches() {
        // 540 tokens: llama-server evaluates 512, then 28 (the one-chunk kernel): so does the engine.
        #expect(chunks(chunking, count: 540) == [256, 256, 28])
        #expect(chunks(PromptChunking(capacity: 512, whileDecoding: 64, breaks: .none), count: 540) == [512, 28])
        // 800: 512 (256 + 256), then 288 (224 + 64).
        #expect(chunks(chunking, count: 800) == [256, 256, 224, 64])
    }

    @Test func aLeftoverUnder64RowsWaitsForTheNextStep() {
        #expect(chunking.tokensToTake(evaluated: 0, remaining: 500, limit: 30, room: 30) == 0)
        #expect(chunking.tokensToTake(evaluated: 0, remaining: 30, limit: 30, room: 30) == 30)
    }

    @Test func smallCapacitiesMirrorSmallMicroBatches() {
        // -ub 32: 32-row micro-batches, none tiled.
        let small = PromptChunking(capacity: 32, whileDecoding: 64, breaks: .none)
        #expect(chunks(small, count: 100) == [32, 32, 32, 4])
        #expect(chunks(small, count: 100, decoding: true) == [32, 32, 32, 4])
    }

    @Test func aBudgetUnder64RowsCannotStallATiledPrompt() {
        let tight = PromptChunking(capacity: 256, whileDecoding: 8, breaks: .none)
        #expect(tight.budget(decoding: true) == 64)
        #expect(chunks(tight, count: 1000, decoding: true).reduce(0, +) == 1000)
    }

    @Test func slidingWindowModelsKeepLlamaServersBatchEnds() {
        let gemma = PromptChunking(
            capacity: 256, whileDecoding: 64, breaks: .llamaServerSlidingWindow(batch: 256))
        // The last 4 tokens are a batch of their own.
        #expect(chunks(gemma, count: 40).suffix(1) == [4])
        #expect(chunks(gemma, count: 200) == [196, 4])
    }
}
