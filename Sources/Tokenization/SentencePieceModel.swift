/// SentencePiece tokenization as llama.cpp's `llm_tokenizer_spm` does it
/// (`tokenizer.ggml.model = "llama"`): the text's spaces become `▁`, every UTF-8 character
/// starts as a symbol, and adjacent symbols whose concatenation is a vocabulary token merge,
/// highest score first (ties: leftmost). A final symbol that is not a token is re-split along
/// the merges that built it, down to `<0xXX>` byte tokens where nothing else fits.
struct SentencePieceModel: Sendable {
    /// Each token's score (`tokenizer.ggml.scores`): the merge priority.
    let scores: [Float]
    /// Prepend a space to text that starts the input or follows a special token
    /// (`tokenizer.ggml.add_space_prefix`, true when absent).
    let addsSpacePrefix: Bool
    /// For each byte, the token `<0xXX>` (else the one-byte piece), -1 when neither exists.
    let byteTokens: [Int32]

    init(scores: [Float], addsSpacePrefix: Bool, pieceIDs: ByteStringTable) {
        self.scores = scores
        self.addsSpacePrefix = addsSpacePrefix
        let hex = Array("0123456789ABCDEF".utf8)
        byteTokens = (0..<256).map { byte in
            let name: [UInt8] = [0x3C, 0x30, 0x78, hex[byte >> 4], hex[byte & 15], 0x3E]  // <0xXX>
            return pieceIDs.value(for: name) ?? pieceIDs.value(for: [UInt8(byte)]) ?? -1
        }
    }

    /// `text` with every space replaced by `▁` (U+2581), as `llama_escape_whitespace`.
    static func escapeWhitespace(_ text: ArraySlice<UInt8>, spacePrefix: Bool) -> [UInt8] {
        var escaped: [UInt8] = []
        escaped.reserveCapacity(text.count + text.count / 4 + 3)
        if spacePrefix { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) }
        for byte in text {
            if byte == 0x20 { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) } else { escaped.append(byte) }
        }
        return escaped
    }

    /// The byte length llama.cpp's `unicode_len_utf8` gives a character starting with `byte`.
    @inline(__always)
    static func characterLength(_ byte: UInt8) -> Int {
        switch byte >> 4 {
        case 0xC, 0xD: 2
        case 0xE: 3
        case 0xF: 4
        default: 1
        }
    }

    /// Tokenizes already escaped text, appending the ids to `output`.
    func tokenize(
        _ text: [UInt8], pieceIDs: ByteStringTable, vocabularySize: Int, into output: inout [Int]
    ) {
        guard !text.isEmpty else { return }
        var session = Session(text: text)
        session.run(model: self, pieceIDs: pieceIDs, vocabularySize: vocabularySize)
        var index = 0
        while index != -1 {
            session.resegment(index, model: self, pieceIDs: pieceIDs, into: &output)
            index = session.next[index]
        }
    }

    /// One call's symbols, merge queue and reverse merges (llama.cpp's `llm_tokenizer_spm_session`).
    private struct Session {
        let text: [UInt8]
        var start: [Int] = []
        var length: [Int] = []
        var previous: [Int] = []
        var next: [Int] = []
        var queue = BigramQueue()
        /// The two symbols each merged text was last built from (`rev_merge`).
        var reverseMerges: [ByteKey: (Int, Int)] = [:]

        init(text: [UInt8]) {
            self.text = text
            var offset = 0
            var index = 0
            while offset < text.count {
                let count = min(SentencePieceModel.characterLength(text[offset]), text.count - offset)
                start.append(offset)
                length.append(count)
                previous.append(index - 1)
                offset += count
                next.append(offset == text.count ? -1 : index + 1)
                index += 1
            }
        }

        mutating func run(model: SentencePieceModel, pieceIDs: ByteStringTable, vocabularySize: Int) {
            for index in 1..<max(start.count, 1) {
                tryAddBigram(index - 1, index, model: model, pieceIDs: pieceIDs, vocabularySize: vocabularySize)
            }
            while let bigram = queue.pop() {
                let left = bigram.left, right = bigram.right
                if length[left] == 0 || length[right] == 0 || length[left] + length[right] != bigram.size { continue }
                length[left] += length[right]
                length[right] = 0
                next[left] = next[right]
                if next[right] >= 0 { previous[next[right]] = left }
                tryAddBigram(previous[left], left, model: model, pieceIDs: pieceIDs, vocabularySize: vocabularySize)
                tryAddBigram(left, next[left], model: model, pieceIDs: pieceIDs, vocabularySize: vocabularySize)
            }
        }

        private mutating func tryAddBigram(
            _ left: Int, _ right: Int, model: SentencePieceModel, pieceIDs: ByteStringTable, vocabularySize: Int
        ) {
            guard left != -1, right != -1 else { return }
            let size = length[left] + length[right]
            let piece = text[start[left]..<(start[left] + size)]
            guard let token = pieceIDs.value(for: piece), Int(token) < vocabularySize, token >= 0 else { return }
            queue.push(Bigram(left: left, right: right, score: model.scores[Int(token)], size: size))
            reverseMerges[ByteKey(piece)] = (left, right)
        }

        func resegment(_ index: Int, model: SentencePieceModel, pieceIDs: ByteStringTable, into output: inout [Int]) {
            let piece = text[start[index]..<(start[index] + length[index])]
            if let token = pieceIDs.value(for: piece) {
                output.append(Int(token))
                return
            }
            guard let (left, right) = reverseMerges[ByteKey(piece)] else {
                for byte in piece {
                    let token = model.byteTokens[Int(byte)]
                    if token >= 0 { output.append(Int(token)) }
                }
                return
            }
            resegment(left, model: model, pieceIDs: pieceIDs, into: &output)
            resegment(right, model: model, pieceIDs: pieceIDs, into: &output)
        }
    }

    struct Bigram {
        let left: Int
        let right: Int
        let score: Float
        let size: Int

        /// llama.cpp's comparator: a higher score first, then the leftmost.
        @inline(__always)
        func outranks(_ other: Bigram) -> Bool {
            score > other.score || (score == other.score && left < other.left)
        }
    }

    /// A binary max-heap of bigrams (`std::priority_queue` with llama.cpp's comparator).
    struct BigramQueue {
        private var heap: [Bigram] = []

        mutating func push(_ bigram: Bigram) {
            heap.append(bigram)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard heap[child].outranks(heap[parent]) else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        }

        mutating func pop() -> Bigram? {
            guard let top = heap.first else { return nil }
            let last = heap.removeLast()
            guard !heap.isEmpty else { return top }
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var best = parent
                if left < heap.count, heap[left].outranks(heap[best]) { best = left }
                if right < heap.count, heap[right].outranks(heap[best]) { best = right }
                if best == parent { break }
                heap.swapAt(parent, best)
                parent = best
            }
            return top
        }
    }
}

extension SentencePieceModel {
    /// A normal token's text with `▁` turned back into spaces (`llama_unescape_whitespace`).
    static func unescapeWhitespace(_ piece: String, into storage: inout [UInt8]) {
        let bytes = Array(piece.utf8)
        var index = 0
        while index < bytes.count {
            if index + 2 < bytes.count, bytes[index] == 0xE2, bytes[index + 1] == 0x96, bytes[index + 2] == 0x81 {
                storage.append(0x20)
                index += 3
            } else {
                storage.append(bytes[index])
                index += 1
            }
        }
    }

    /// The byte a `<0xXX>` token stands for (llama.cpp reads the two characters after `<0x`).
    static func byteValue(_ piece: String) -> UInt8? {
        let bytes = Array(piece.utf8)
        guard bytes.count >= 5 else { return nil }
        return UInt8(String(decoding: bytes[3..<5], as: UTF8.self), radix: 16)
    }
}
