/// A model's vocabulary as bytes, with a trie over all tokens for computing grammar masks.
/// Build one per model and share it between sequences.
public final class TokenVocabulary: Sendable {
    /// Bytes of each token, by token ID.
    public let tokenBytes: [[UInt8]]
    /// Tokens that end generation: allowed exactly when the grammar is complete.
    public let endOfGenerationTokenIDs: Set<Int>
    /// Tokens never allowed inside a grammar (control tokens such as `<|im_start|>`).
    public let specialTokenIDs: Set<Int>
    let trie: TokenTrie
    /// The tokens of exactly one byte (not special), the first for each byte value: the
    /// budget-aware fallback finishes an output with them.
    public let oneByteTokenIDs: [Int]
    /// Per-state masks shared across grammars (see `StateSignature`).
    let sharedMasks = SharedMaskStore()

    /// - Parameters:
    ///   - tokenBytes: the bytes each token stands for, by token ID.
    ///   - endOfGenerationTokenIDs: end-of-generation tokens (allowed only when complete).
    ///   - specialTokenIDs: control tokens, never allowed by a grammar (their text is not
    ///     output text). End-of-generation tokens are always treated as special.
    public init(tokenBytes: [[UInt8]], endOfGenerationTokenIDs: Set<Int>, specialTokenIDs: Set<Int> = []) {
        self.tokenBytes = tokenBytes
        self.endOfGenerationTokenIDs = endOfGenerationTokenIDs
        let excluded = specialTokenIDs.union(endOfGenerationTokenIDs)
        self.specialTokenIDs = excluded
        var tokens: [(id: Int, bytes: [UInt8])] = []
        tokens.reserveCapacity(tokenBytes.count)
        for (id, bytes) in tokenBytes.enumerated() where !excluded.contains(id) {
            tokens.append((id, bytes))
        }
        self.trie = TokenTrie(tokens: tokens)
        var firstForByte: [UInt8: Int] = [:]
        for (id, bytes) in tokens where bytes.count == 1 && firstForByte[bytes[0]] == nil {
            firstForByte[bytes[0]] = id
        }
        self.oneByteTokenIDs = firstForByte.values.sorted()
    }

    /// A vocabulary from GPT-2 byte-level BPE token strings (as stored in GGUF
    /// `tokenizer.ggml.tokens`), with `tokenTypes` (`tokenizer.ggml.token_type`: 3 marks
    /// control tokens, which are never allowed by a grammar).
    public convenience init(gpt2Tokens: [String], tokenTypes: [Int]?, endOfGenerationTokenIDs: Set<Int>) {
        var special: Set<Int> = []
        if let tokenTypes {
            for (id, type) in tokenTypes.enumerated() where type == 3 { special.insert(id) }
        }
        self.init(
            tokenBytes: gpt2Tokens.map(ByteLevelDecoding.bytes(ofGPT2Token:)),
            endOfGenerationTokenIDs: endOfGenerationTokenIDs,
            specialTokenIDs: special
        )
    }

    public var count: Int { tokenBytes.count }

    /// Nodes of the token trie (a size measure).
    public var trieNodeCount: Int { trie.nodeCount }
}

/// GPT-2's byte-level encoding: every byte is shown as a printable character
/// (`bytes_to_unicode`); this maps the characters back to bytes.
public enum ByteLevelDecoding {
    /// Character (Unicode scalar value) to byte, for the 256 characters of the encoding.
    static let byteForScalar: [UInt32: UInt8] = {
        var printable: [Int] = Array(33...126) + Array(161...172) + Array(174...255)
        var scalars = printable
        var extra = 0
        for byte in 0..<256 where !printable.contains(byte) {
            printable.append(byte)
            scalars.append(256 + extra)
            extra += 1
        }
        var table: [UInt32: UInt8] = [:]
        for (byte, scalar) in zip(printable, scalars) { table[UInt32(scalar)] = UInt8(byte) }
        return table
    }()

    /// The bytes a GPT-2 byte-level token string stands for; characters outside the
    /// encoding (as in added tokens written literally) are kept as their UTF-8.
    public static func bytes(ofGPT2Token token: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.utf8.count)
        for scalar in token.unicodeScalars {
            if let byte = byteForScalar[scalar.value] {
                bytes.append(byte)
            } else {
                bytes.append(contentsOf: Array(String(scalar).utf8))
            }
        }
        return bytes
    }
}
