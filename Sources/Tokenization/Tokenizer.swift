import GGUF

/// A byte-level BPE tokenizer (GPT-2 style) loaded from a GGUF file's metadata, matching
/// llama.cpp's tokenization and detokenization token for token.
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
    let mergeTable: MergeTable
    let preTokenizer: PreTokenizer
    /// Special tokens in matching order: longest text first (llama.cpp's `cache_special_tokens`).
    let specialTokens: [(id: Int, bytes: [UInt8], kind: TokenKind)]
    /// For each byte, the token of its one-character piece when that is ASCII, else -1:
    /// llama.cpp's fallback for a merged symbol missing from the vocabulary.
    let byteFallback: [Int32]
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
        guard model == "gpt2" else { throw .unsupportedModel(model) }
        guard metadata["tokenizer.ggml.tokens"] != nil else { throw .missingVocabulary }
        let pieces = try read("tokenizer.ggml.tokens", metadata.stringArray)
        guard !pieces.isEmpty else { throw .missingVocabulary }
        let preName = metadata["tokenizer.ggml.pre"] != nil ? try read("tokenizer.ggml.pre", metadata.string) : "default"
        preTokenizer = try PreTokenizer(name: preName)

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
        let rules = try read("tokenizer.ggml.merges", metadata.stringArray)
        mergeTable = try MergeTable(rules: rules, pieceIDs: pieceIDs, vocabularySize: pieces.count)

        /// A token id from metadata; llama.cpp ignores ids outside the vocabulary.
        func optionalID(_ key: String) throws(TokenizerError) -> Int? {
            guard metadata[key] != nil else { return nil }
            let id = try read(key, metadata.int)
            return (0..<pieces.count).contains(id) ? id : nil
        }
        // llama.cpp's defaults for gpt2 vocabularies without the keys.
        let fallbackID = 11 < pieces.count ? 11 : nil
        bosTokenID = try metadata["tokenizer.ggml.bos_token_id"] != nil ? optionalID("tokenizer.ggml.bos_token_id") : fallbackID
        eosTokenID = try metadata["tokenizer.ggml.eos_token_id"] != nil ? optionalID("tokenizer.ggml.eos_token_id") : fallbackID
        addsBOS = try metadata["tokenizer.ggml.add_bos_token"] != nil
            ? read("tokenizer.ggml.add_bos_token", metadata.int) != 0 : preTokenizer.addsBOSByDefault

        let specialIDs = SpecialTokenRoles(
            lookup: { text in pieceIDs.value(for: text).map(Int.init) }, eos: eosTokenID,
            eot: try optionalID("tokenizer.ggml.eot_token_id"), eom: try optionalID("tokenizer.ggml.eom_token_id"),
            fimPad: try optionalID("tokenizer.ggml.fim_pad_token_id"), fimRep: try optionalID("tokenizer.ggml.fim_rep_token_id"),
            fimSep: try optionalID("tokenizer.ggml.fim_sep_token_id"))
        for id in specialIDs.forcedControl { kinds[id] = .control }
        endOfGenerationTokenIDs = specialIDs.endOfGeneration

        self.pieceIDs = pieceIDs
        self.kinds = kinds
        vocabularySize = pieces.count
        specialTokens = kinds.indices
            .filter { kinds[$0].isSpecial }
            .map { (id: $0, bytes: Array(pieces[$0].utf8), kind: kinds[$0]) }
            .sorted { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id }
        byteFallback = (0..<256).map { byte in
            let scalar = ByteLevelEncoding.scalarForByte[byte]
            guard scalar < 0x80, let id = pieceIDs.value(for: [UInt8(byte)]) else { return -1 }
            return id
        }

        var storage: [UInt8] = []
        storage.reserveCapacity(pieces.count * 8)
        var offsets = [0]
        offsets.reserveCapacity(pieces.count + 1)
        for (id, piece) in pieces.enumerated() {
            switch kinds[id] {
            case .normal: ByteLevelEncoding.decode(piece, into: &storage)
            case .control, .userDefined, .unknown: storage.append(contentsOf: piece.utf8)
            case .undefined, .unused, .byte: break  // llama.cpp renders these as nothing in BPE vocabularies
            }
            offsets.append(storage.count)
        }
        tokenByteStorage = storage
        tokenByteOffsets = offsets
    }
}
