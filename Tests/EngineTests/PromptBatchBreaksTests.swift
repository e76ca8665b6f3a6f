import Engine
import Testing

/// llama-server's prompt batching for sliding-window models (server-context.cpp, checkpoint_offsets).
struct PromptBatchBreaksTests {
    let breaks = PromptBatchBreaks.llamaServerSlidingWindow(batch: 2048)

    @Test func theLastFourTokensAreABatchOfTheirOwn() {
        #expect(breaks.tokensToTake(remaining: 8, limit: 256) == 4)
        #expect(breaks.tokensToTake(remaining: 11, limit: 256) == 7)
        #expect(breaks.tokensToTake(remaining: 4, limit: 256) == 4)
        #expect(breaks.tokensToTake(remaining: 5, limit: 256) == 1)
    }

    @Test func shortPromptsAreOneBatch() {
        #expect(breaks.tokensToTake(remaining: 3, limit: 256) == 3)
        #expect(breaks.tokensToTake(remaining: 1, limit: 256) == 1)
    }

    @Test func aLongPromptAlsoBreaksOneMicroBatchBeforeTheEnd() {
        // 600 tokens: 84, then 512 (as far as the limit allows), then the last 4.
        #expect(breaks.tokensToTake(remaining: 600, limit: 2048) == 84)
        #expect(breaks.tokensToTake(remaining: 516, limit: 2048) == 512)
        #expect(breaks.tokensToTake(remaining: 600, limit: 32) == 32)
        #expect(breaks.tokensToTake(remaining: 520, limit: 256) == 4)
    }

    @Test func noBreakLiesFurtherBackThanOneBatch() {
        // llama-server with -b 32 -ub 32: breaks 32 and 4 tokens before the end.
        let small = PromptBatchBreaks.llamaServerSlidingWindow(batch: 32, microBatch: 32)
        #expect(small.remainders == [32, 4])
        #expect(small.tokensToTake(remaining: 50, limit: 32) == 18)
        #expect(small.tokensToTake(remaining: 32, limit: 32) == 28)
    }

    @Test func fullAttentionModelsAreNotBroken() {
        #expect(PromptBatchBreaks.none.tokensToTake(remaining: 8, limit: 256) == 8)
        #expect(PromptBatchBreaks.none.tokensToTake(remaining: 600, limit: 256) == 256)
    }
}
