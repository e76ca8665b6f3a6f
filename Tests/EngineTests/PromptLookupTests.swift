import Engine
import Testing

/// Drafting by n-gram lookup over the sequence's own tokens.
@Suite struct PromptLookupTests {
    let lookup = PromptLookup(minimumMatch: 3, maximumMatch: 6)

    @Test func proposesWhatFollowedTheSuffixBefore() {
        //             0  1  2  3  4  5  6  7  8  9 10
        let tokens = [9, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3]
        #expect(lookup.draft(after: tokens, limit: 4) == [4, 5, 6, 7])
        #expect(lookup.draft(after: tokens, limit: 2) == [4, 5])
        #expect(lookup.draft(after: tokens, limit: 0) == [])
    }

    @Test func aSuffixShorterThanTheMinimumProposesNothing() {
        #expect(lookup.draft(after: [1, 2, 7, 8, 9, 1, 2], limit: 4) == [])
        #expect(PromptLookup(minimumMatch: 2).draft(after: [1, 2, 7, 8, 9, 1, 2], limit: 4) == [7, 8, 9, 1])
        #expect(lookup.draft(after: [1, 2, 3], limit: 4) == [])
        #expect(lookup.draft(after: [], limit: 4) == [])
    }

    @Test func theLongestMatchWinsThenTheLatest() {
        // [2, 3, 4] occurs at 1...3 (then 50) and, longer as [1, 2, 3, 4], at 10...13 (then 60);
        // [3, 4] alone also occurs later, at 20...21 (then 70), too short to count.
        let tokens = [0, 2, 3, 4, 50, 0, 0, 0, 0, 0, 1, 2, 3, 4, 60, 0, 0, 0, 0, 0, 3, 4, 70, 1, 2, 3, 4]
        #expect(lookup.draft(after: tokens, limit: 1) == [60])
        // Two equally long matches: the later one.
        let twice = [5, 6, 7, 80, 5, 6, 7, 90, 5, 6, 7]
        #expect(lookup.draft(after: twice, limit: 1) == [90])
    }

    @Test func aDraftStopsWhereTheTokensEnd() {
        // The match ends one token before the suffix does: only that token follows it.
        let tokens = [4, 4, 4, 4, 4]
        #expect(lookup.draft(after: tokens, limit: 3) == [4])
        #expect(lookup.draft(after: [1, 2, 3, 1, 2, 3], limit: 5) == [1, 2, 3])
    }

    @Test func boundsAreSane() {
        let odd = PromptLookup(minimumMatch: 0, maximumMatch: -3)
        #expect(odd.minimumMatch == 1)
        #expect(odd.maximumMatch == 1)
    }
}
