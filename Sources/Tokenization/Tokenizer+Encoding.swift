extension Tokenizer {
    /// The token ids of `text`, without a BOS token.
    /// - Parameter parseSpecial: match control tokens such as `<|im_start|>` written in the
    ///   text (llama.cpp's `parse_special`); when false they tokenize as plain text.
    ///   User-defined tokens are matched either way, as in llama.cpp.
    public func encode(_ text: String, parseSpecial: Bool = true) -> [Int] {
        let bytes = Array(text.utf8)
        var output: [Int] = []
        output.reserveCapacity(bytes.count / 3 + 4)
        let fragments = partition(bytes, parseSpecial: parseSpecial)
        switch segmentation {
        case .bytePair(let mergeTable, let preTokenizer, let byteFallback):
            var session = EncodingSession()
            for fragment in fragments {
                switch fragment {
                case .special(let id): output.append(id)
                case .text(let range):
                    encodeText(
                        bytes[range], mergeTable: mergeTable, preTokenizer: preTokenizer, byteFallback: byteFallback,
                        session: &session, into: &output)
                }
            }
        case .sentencePiece(let model):
            // llama.cpp prefixes a space to text at the start or right after a special token.
            var previousWasSpecial = true
            for fragment in fragments {
                switch fragment {
                case .special(let id):
                    output.append(id)
                    previousWasSpecial = true
                case .text(let range):
                    let escaped = SentencePieceModel.escapeWhitespace(
                        bytes[range], spacePrefix: model.addsSpacePrefix && previousWasSpecial)
                    model.tokenize(escaped, pieceIDs: pieceIDs, vocabularySize: vocabularySize, into: &output)
                    previousWasSpecial = false
                }
            }
        }
        return output
    }

    /// Per-call state: the merger's buffers and a cache of words already merged
    /// (prompts repeat words a lot; per call, so encoding needs no lock).
    struct EncodingSession {
        var merger = WordMerger()
        var symbols: [(symbol: Int32, start: Int32)] = []
        var cache: [ByteKey: [Int]] = [:]
    }

    private func encodeText(
        _ text: ArraySlice<UInt8>, mergeTable: MergeTable, preTokenizer: PreTokenizer, byteFallback: [Int32],
        session: inout EncodingSession, into output: inout [Int]
    ) {
        let scalars = ScalarText(utf8: text)
        for piece in preTokenizer.split(scalars) {
            let word = text[scalars.byteRange(piece)]
            if let cached = session.cache[ByteKey(word)] {
                output.append(contentsOf: cached)
                continue
            }
            let start = output.count
            if preTokenizer.ignoresMerges, let id = pieceIDs.value(for: ByteLevelEncoding.encode(word)) {
                output.append(Int(id))
            } else {
                session.symbols.removeAll(keepingCapacity: true)
                session.merger.merge(word, table: mergeTable, into: &session.symbols)
                for (index, symbol) in session.symbols.enumerated() {
                    if Int(symbol.symbol) < vocabularySize {
                        output.append(Int(symbol.symbol))
                        continue
                    }
                    // Not in the vocabulary: llama.cpp emits the single-byte tokens it can find.
                    let end = index + 1 < session.symbols.count ? Int(session.symbols[index + 1].start) : word.count
                    for byte in word.dropFirst(Int(symbol.start)).prefix(end - Int(symbol.start)) {
                        let id = byteFallback[Int(byte)]
                        if id >= 0 { output.append(Int(id)) }
                    }
                }
            }
            if word.count <= 64 { session.cache[ByteKey(word)] = Array(output[start...]) }
        }
    }
}
