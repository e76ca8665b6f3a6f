import Cutover
import Testing

@Suite struct MetricsTests {
    @Test func latencySummaryOfOneToHundredMilliseconds() {
        let summary = LatencySummary(seconds: (1...100).map { Double($0) / 1000 })
        #expect(summary.count == 100)
        #expect(abs(summary.mean - 50.5) < 1e-9)
        #expect(summary.min == 1 && summary.max == 100)
        // HDR percentiles at three significant digits: the value at rank ⌈p·n⌉.
        #expect(abs(summary.p50 - 50) < 0.1)
        #expect(abs(summary.p90 - 90) < 0.1)
        #expect(abs(summary.p95 - 95) < 0.1)
        #expect(abs(summary.p99 - 99) < 0.1)
    }

    @Test func emptySummaryIsZero() {
        let summary = LatencySummary(seconds: [])
        #expect(summary.count == 0 && summary.mean == 0 && summary.p99 == 0)
    }

    @Test func tpotFollowsVLLMDefinition() {
        // 11 tokens, first at 0.1 s, last byte at 1.1 s: (1.1 − 0.1) / 10 = 0.1 s per token.
        let request = RequestMetrics(succeeded: true, ttft: 0.1, e2e: 1.1, itl: Array(repeating: 0.1, count: 10),
                                     usageOutputTokens: 11, chunkCount: 11)
        #expect(abs((request.tpot ?? 0) - 0.1) < 1e-12)
        #expect(abs((request.streamTokensPerSecond ?? 0) - 10) < 1e-9)
        let single = RequestMetrics(succeeded: true, ttft: 0.1, e2e: 0.1, itl: [], usageOutputTokens: 1, chunkCount: 1)
        #expect(single.tpot == nil)
    }

    @Test func outputTokensFallBackToChunks() {
        let request = RequestMetrics(succeeded: true, ttft: 0.1, e2e: 0.5, itl: [], usageOutputTokens: nil, chunkCount: 7)
        #expect(request.outputTokens == 7)
    }

    @Test func benchAggregatesThroughputAndMismatches() {
        let a = RequestMetrics(succeeded: true, ttft: 0.2, e2e: 1.0, itl: [0.1, 0.3], usageOutputTokens: 10, usagePromptTokens: 5, chunkCount: 10)
        let b = RequestMetrics(succeeded: true, ttft: 0.4, e2e: 2.0, itl: [0.2], usageOutputTokens: 12, usagePromptTokens: 5, chunkCount: 6)
        let c = RequestMetrics(succeeded: false, ttft: 0, e2e: 0, itl: [], usageOutputTokens: nil, chunkCount: 0, failure: "HTTP 500")
        let metrics = BenchMetrics(requests: [a, b, c], duration: 2.0)
        #expect(metrics.completed == 2 && metrics.failed == 1)
        #expect(metrics.totalOutputTokens == 22 && metrics.totalInputTokens == 10)
        #expect(abs(metrics.outputThroughput - 11) < 1e-9)
        #expect(abs(metrics.requestThroughput - 1) < 1e-9)
        #expect(abs(metrics.ttft.mean - 300) < 1e-6)
        #expect(abs(metrics.itl.mean - 200) < 1e-6)
        #expect(metrics.itl.count == 3)
        #expect(metrics.usageChunkMismatches == 1)
        #expect(abs(metrics.meanUsageChunkDifference - 3) < 1e-9)
        #expect(metrics.failures == ["HTTP 500"])
        // Per-stream rate: 10 tok/s and 6 tok/s.
        #expect(abs(metrics.streamTokensPerSecond.mean - 8) < 0.01)
    }
}
