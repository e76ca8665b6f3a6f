/// Runs BPE on one pre-tokenized word, exactly as llama.cpp's `llm_tokenizer_bpe_session`:
/// start from one symbol per byte, repeatedly merge the adjacent pair with the lowest rank
/// (the leftmost on ties) until no pair has a rule. Reused across words to keep its buffers.
struct WordMerger {
    private struct Candidate {
        let rank: Int32
        let result: Int32
        let left: Int32
        let right: Int32
        let leftSymbol: Int32
        let rightSymbol: Int32

        @inline(__always)
        func precedes(_ other: Candidate) -> Bool {
            rank != other.rank ? rank < other.rank : left < other.left
        }
    }

    private var symbols: [Int32] = []
    private var previous: [Int32] = []
    private var next: [Int32] = []
    private var starts: [Int32] = []
    private var heap: [Candidate] = []

    /// The interned ids of the final symbols of `word`, with the byte offset (within the
    /// word) where each begins, appended to `out`.
    mutating func merge(_ word: ArraySlice<UInt8>, table: MergeTable, into out: inout [(symbol: Int32, start: Int32)]) {
        let count = word.count
        symbols.removeAll(keepingCapacity: true)
        previous.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        heap.removeAll(keepingCapacity: true)
        for (offset, byte) in word.enumerated() {
            symbols.append(table.byteSymbols[Int(byte)])
            previous.append(Int32(offset - 1))
            next.append(offset + 1 == count ? -1 : Int32(offset + 1))
            starts.append(Int32(offset))
        }
        for index in 1..<max(count, 1) { consider(Int32(index - 1), Int32(index), table: table) }

        while let best = popMin() {
            let left = Int(best.left), right = Int(best.right)
            // Skip pairs outdated by an earlier merge (either side changed or was absorbed).
            guard symbols[left] == best.leftSymbol, symbols[right] == best.rightSymbol,
                next[left] == best.right, starts[left] >= 0, starts[right] >= 0
            else { continue }
            symbols[left] = best.result
            starts[right] = -1
            let after = next[right]
            next[left] = after
            if after >= 0 { previous[Int(after)] = best.left }
            if previous[left] >= 0 { consider(previous[left], best.left, table: table) }
            if after >= 0 { consider(best.left, after, table: table) }
        }

        var index: Int32 = count > 0 ? 0 : -1
        while index >= 0 {
            out.append((symbols[Int(index)], starts[Int(index)]))
            index = next[Int(index)]
        }
    }

    private mutating func consider(_ left: Int32, _ right: Int32, table: MergeTable) {
        let leftSymbol = symbols[Int(left)], rightSymbol = symbols[Int(right)]
        guard let merge = table.merge(leftSymbol, rightSymbol) else { return }
        push(Candidate(rank: merge.rank, result: merge.result, left: left, right: right, leftSymbol: leftSymbol, rightSymbol: rightSymbol))
    }

    private mutating func push(_ candidate: Candidate) {
        heap.append(candidate)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popMin() -> Candidate? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let top = heap[0]
        heap[0] = last
        var parent = 0
        while true {
            let leftChild = 2 * parent + 1, rightChild = leftChild + 1
            var smallest = parent
            if leftChild < heap.count, heap[leftChild].precedes(heap[smallest]) { smallest = leftChild }
            if rightChild < heap.count, heap[rightChild].precedes(heap[smallest]) { smallest = rightChild }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
