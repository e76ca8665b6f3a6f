import GGUF

/// A tokenizer loaded from a GGUF file's metadata, matching llama.cpp's tokenization and
/// detokenization token for token: byte-level BPE (`tokenizer.ggml.model = "gpt2"`) or
/// SentencePiece (`"llama"`, Gemma's and Llama 2's).
///
/// Immutable after loading, so one instance serves any number of concurrent requests.
public final class Tokenizer: Sendable {
    /// The number of tokens in the vocabulary.
    public let vocabularySize: Int
    /// The beginning-of-sequence token, if the model has one.
    public let bosTokenID: Int?
    /// The end-of-sequence token, if the model has one.
    public let eosTokenID: Int?
    /// Whether prompts should start with `bosTokenID` (`encode` never adds it).
    public let addsBOS: Bool
    /// Ids that end a turn/generation (eos, eot, and control tokens such as `<|im_end|>` /
    /// `<|endoftext|>` that llama.cpp treats as end-of-generation).
    public let endOfGenerationTokenIDs: Set<Int>

    let pieceIDs: ByteStringTable
    let kinds: [TokenKind]
    /// How text between special tokens becomes tokens.
    let segmentation: Segmentation
    /// Special tokens in matching order: longest text first (llama.cpp's `cache_special_tokens`).
    /// `stripsWhitespaceAfter`: llama.cpp's RSTRIP attribute (Phi-3's special tokens swallow the
    /// whitespace that follows them in the input).
    let specialTokens: [(id: Int, bytes: [UInt8], kind: TokenKind, stripsWhitespaceAfter: Bool)]
    /// Every token's bytes, concatenated; token `i` is `tokenByteStorage[tokenByteOffsets[i]..<tokenByteOffsets[i+1]]`.
    let tokenByteStorage: [UInt8]
    let tokenByteOffsets: [Int]

    /// Loads the tokenizer described by `gguf`'s `tokenizer.ggml.*` metadata.
    /// - Throws: `TokenizerError` naming a missing vocabulary, an unsupported model or
    ///   pre-tokenizer, or malformed metadata.
    public init(gguf: GGUFFile) throws(TokenizerError) {
        let metadata = gguf.metadata
        func read<T>(_ key: String, _ body: (String) throws(GGUFError) -> T) throws(TokenizerError) -> T {
            do { return try body(key) } catch { throw .invalidMetadata(key: key, reason: error.description) }
        }
        let model = try read("tokenizer.ggml.model", metadata.string)
        guard model == "gpt2" || model == "llama" else { throw .unsupportedModel(model) }
        let isSentencePiece = model == "llama"
        guard metadata["tokenizer.ggml.tokens"] != nil else { throw .missingVocabulary }
        let pieces = try read("tokenizer.ggml.tokens", metadata.stringArray)
        guard !pieces.isEmpty else { throw .missingVocabulary }

        var kinds = [TokenKind](repeating: .normal, count: pieces.count)
        if metadata["tokenizer.ggml.token_type"] != nil {
            let types = try read("tokenizer.ggml.token_type", metadata.intArray)
            guard types.count == pieces.count else { throw .tokenTypeCountMismatch(tokens: pieces.count, types: types.count) }
            kinds = types.map(TokenKind.init(gguf:))
        }
        var pieceIDs = ByteStringTable(capacity: pieces.count)
        for (id, piece) in pieces.enumerated() {
            var piece = piece
            piece.withUTF8 { pieceIDs.set($0, Int32(id)) }
        }
        let segmentation: Segmentation
        if isSentencePiece {
            let scores = metadata["tokenizer.ggml.scores"] != nil
                ? try read("tokenizer.ggml.scores", metadata.floatArray) : [Float](repeating: 0, count: pieces.count)
            guard scores.count == pieces.count else {
                throw .invalidMetadata(key: "tokenizer.ggml.scores", reason: "\(scores.count) scores for \(pieces.count) tokens")
            }
            let spacePrefix = metadata["tokenizer.ggml.add_space_prefix"] != nil
                ? try read("tokenizer.ggml.add_space_prefix", metadata.int) != 0 : true
            segmentation = .sentencePiece(SentencePieceModel(scores: scores, addsSpacePrefix: spacePrefix, pieceIDs: pieceIDs))
        } else {
            let preName = metadata["tokenizer.ggml.pre"] != nil ? try read("tokenizer.ggml.pre", metadata.string) : "default"
            let preTokenizer = try PreTokenizer(name: preName)
            let rules = try read("tokenizer.ggml.merges", metadata.stringArray)
            let mergeTable = try MergeTable(rules: rules, pieceIDs: pieceIDs, vocabularySize: pieces.count)
            let byteFallback: [Int32] = (0..<256).map { byte in
                let scalar = ByteLevelEncoding.scalarForByte[byte]
                guard scalar < 0x80, let id = pieceIDs.value(for: [UInt8(byte)]) else { return -1 }
                return id
            }
            segmentation = .bytePair(mergeTable: mergeTable, preTokenizer: preTokenizer, byteFallback: byteFallback)
        }

        /// A token id from metadata; llama.cpp ignores ids outside the vocabulary.
        func optionalID(_ key: String) throws(TokenizerError) -> Int? {
            guard metadata[key] != nil else { return nil }
            let id = try read(key, metadata.int)
            return (0..<pieces.count).contains(id) ? id : nil
        }
        // llama.cpp's defaults for vocabularies without the keys (gpt2: 11 for both; llama: bos 1, eos 2).
        func fallback(_ id: Int) -> Int? { id < pieces.count ? id : nil }
        let (bosFallback, eosFallback) = isSentencePiece ? (fallback(1), fallback(2)) : (fallback(11), fallback(11))
        bosTokenID = try metadata["tokenizer.ggml.bos_token_id"] != nil ? optionalID("tokenizer.ggml.bos_token_id") : bosFallback
        eosTokenID = try metadata["tokenizer.ggml.eos_token_id"] != nil ? optionalID("tokenizer.ggml.eos_token_id") : eosFallback
        let bosByDefault = switch segmentation {
        case .sentencePiece: true
        case .bytePair(_, let preTokenizer, _): preTokenizer.addsBOSByDefault
        }
        addsBOS = try metadata["tokenizer.ggml.add_bos_token"] != nil
            ? read("tokenizer.ggml.add_bos_token", metadata.int) != 0 : bosByDefault

        let specialIDs = SpecialTokenRoles(
            lookup: { text in pieceIDs.value(for: text).map(Int.init) }, eos: eosTokenID,
            eot: try optionalID("tokenizer.ggml.eot_token_id"), eom: try optionalID("tokenizer.ggml.eom_token_id"),
            fimPad: try optionalID("tokenizer.ggml.fim_pad_token_id"), fimRep: try optionalID("tokenizer.ggml.fim_rep_token_id"),
            fimSep: try optionalID("tokenizer.ggml.fim_sep_token_id"))
        for id in specialIDs.forcedControl { kinds[id] = .control }
        endOfGenerationTokenIDs = specialIDs.endOfGeneration

        self.pieceIDs = pieceIDs
        self.segmentation = segmentation
        self.kinds = kinds
        vocabularySize = pieces.count
        // llama-vocab.cpp sets RSTRIP by model name: for "phi-3"/"phi3" on every special token
        // except <unk>, <s> and <|endoftext|> (and on </s>, which matters only when it is special).
        let modelName = (metadata["general.name"]?.stringValue ?? "").lowercased()
        let phi3 = modelName.contains("phi-3") || modelName.contains("phi3")
        let keepsWhitespace: Set<String> = ["<unk>", "<s>", "<|endoftext|>"]
        specialTokens = kinds.indices
            .filter { kinds[$0].isSpecial }
            .map { id in
                (id: id, bytes: Array(pieces[id].utf8), kind: kinds[id],
                 stripsWhitespaceAfter: phi3 && !keepsWhitespace.contains(pieces[id]))
            }
            .sorted { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id }

        var storage: [UInt8] = []
        storage.reserveCapacity(pieces.count * 8)
        var offsets = [0]
        offsets.reserveCapacity(pieces.count + 1)
        for (id, piece) in pieces.enumerated() {
            switch (kinds[id], isSentencePiece) {
            case (.normal, false): ByteLevelEncoding.decode(piece, into: &storage)
            case (.normal, true): SentencePieceModel.unescapeWhitespace(piece, into: &storage)
            case (.byte, true): if let byte = SentencePieceModel.byteValue(piece) { storage.append(byte) }
            case (.control, _), (.userDefined, _), (.unknown, _): storage.append(contentsOf: piece.utf8)
            case (.undefined, _), (.unused, _), (.byte, false): break  // llama.cpp renders these as nothing
            }
            offsets.append(storage.count)
        }
        tokenByteStorage = storage
        tokenByteOffsets = offsets
    }

    /// The algorithm that turns text between special tokens into tokens.
    enum Segmentation: Sendable {
        /// Byte-level BPE: pre-tokenizer regexes, then ranked merges within each word;
        /// `byteFallback` is llama.cpp's single-byte fallback for a merged symbol missing from
        /// the vocabulary (the token of the byte's one-character piece when ASCII, else -1).
        case bytePair(mergeTable: MergeTable, preTokenizer: PreTokenizer, byteFallback: [Int32])
        /// SentencePiece: score-driven merges over the whole fragment.
        case sentencePiece(SentencePieceModel)
    }
}
