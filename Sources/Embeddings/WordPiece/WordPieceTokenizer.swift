import Foundation

/// BERT's WordPiece tokenizer, read from a Hugging Face `tokenizer.json`, giving the same ids
/// as the `tokenizers` library: special tokens in the raw text are matched first, the rest is
/// normalized (`BertNormalizer`), split into words (`BertPreTokenizer`), and each word is cut
/// greedily into the longest vocabulary pieces (`##` marking a piece inside a word). A word
/// longer than `maxCharactersPerWord`, or one with a part no piece covers, becomes `[UNK]`.
public struct WordPieceTokenizer: Sendable {
    /// Vocabulary pieces by their UTF-8 bytes (compared bytewise, as `tokenizers` does; Swift's
    /// `String` equality would equate canonically equivalent spellings).
    private let vocabulary: [[UInt8]: Int]
    public let vocabularySize: Int
    public let unknownID: Int
    public let classifierID: Int
    public let separatorID: Int
    public let paddingID: Int
    public let continuingPrefix: [UInt8]
    public let maxCharactersPerWord: Int
    public let normalizer: BertNormalizer
    /// Special tokens matched in the raw text, longest first.
    private let specialTokens: [(scalars: [Unicode.Scalar], id: Int)]
    /// Each id's piece (UTF-8), for decoding.
    let pieces: [Int: [UInt8]]
    let specialIDs: Set<Int>

    /// Reads `tokenizer.json`.
    public init(contentsOf url: URL) throws(EmbeddingsError) {
        let file = url.lastPathComponent
        func bad(_ reason: String) -> EmbeddingsError { .badConfiguration(file: url.path, reason: reason) }
        let root: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
                throw bad("not a JSON object")
            }
            root = object
        } catch let error as EmbeddingsError {
            throw error
        } catch {
            throw bad("cannot be read as JSON (\(error.localizedDescription))")
        }
        guard let model = root["model"] as? [String: Any], model["type"] as? String == "WordPiece" else {
            throw bad("\(file) does not describe a WordPiece model")
        }
        guard let vocab = model["vocab"] as? [String: Any], !vocab.isEmpty else { throw bad("has no model.vocab") }
        var vocabulary: [[UInt8]: Int] = [:]
        vocabulary.reserveCapacity(vocab.count)
        var largest = -1
        for (piece, value) in vocab {
            guard let id = (value as? NSNumber)?.intValue, id >= 0 else { throw bad("vocab entry '\(piece)' has no id") }
            vocabulary[Array(piece.utf8)] = id
            largest = max(largest, id)
        }
        var specials: [(scalars: [Unicode.Scalar], id: Int)] = []
        for entry in root["added_tokens"] as? [[String: Any]] ?? [] {
            guard let content = entry["content"] as? String, let id = (entry["id"] as? NSNumber)?.intValue else { continue }
            largest = max(largest, id)
            specials.append((Array(content.unicodeScalars), id))
        }
        func id(_ token: String) throws(EmbeddingsError) -> Int {
            if let id = vocabulary[Array(token.utf8)] { return id }
            if let special = specials.first(where: { String(String.UnicodeScalarView($0.scalars)) == token }) { return special.id }
            throw bad("the vocabulary has no '\(token)' token")
        }
        let unknown = model["unk_token"] as? String ?? "[UNK]"
        unknownID = try id(unknown)
        classifierID = try id("[CLS]")
        separatorID = try id("[SEP]")
        paddingID = (try? id("[PAD]")) ?? 0
        continuingPrefix = Array((model["continuing_subword_prefix"] as? String ?? "##").utf8)
        maxCharactersPerWord = (model["max_input_chars_per_word"] as? NSNumber)?.intValue ?? 100
        let normalization = root["normalizer"] as? [String: Any]
        if let normalization, normalization["type"] as? String != "BertNormalizer" {
            throw bad("normalizer '\(normalization["type"] ?? "?")' is not supported (only BertNormalizer)")
        }
        if let pre = root["pre_tokenizer"] as? [String: Any], pre["type"] as? String != "BertPreTokenizer" {
            throw bad("pre_tokenizer '\(pre["type"] ?? "?")' is not supported (only BertPreTokenizer)")
        }
        let lowercase = normalization?["lowercase"] as? Bool ?? true
        normalizer = BertNormalizer(
            cleanText: normalization?["clean_text"] as? Bool ?? true,
            handleChineseChars: normalization?["handle_chinese_chars"] as? Bool ?? true,
            stripAccents: normalization?["strip_accents"] as? Bool, lowercase: lowercase)
        self.vocabulary = vocabulary
        var pieces: [Int: [UInt8]] = [:]
        for (piece, id) in vocabulary { pieces[id] = piece }
        for special in specials { pieces[special.id] = Array(String(String.UnicodeScalarView(special.scalars)).utf8) }
        self.pieces = pieces
        specialIDs = Set(specials.map(\.id))
        vocabularySize = largest + 1
        specialTokens = specials.filter { !$0.scalars.isEmpty }.sorted { $0.scalars.count > $1.scalars.count }
    }

    /// The token ids of `text`, without `[CLS]`/`[SEP]`.
    public func encode(_ text: String) -> [Int] {
        var ids: [Int] = []
        let scalars = Array(text.unicodeScalars)
        var segmentStart = 0
        var index = 0
        while index < scalars.count {
            if let special = specialToken(in: scalars, at: index) {
                encodeSegment(scalars[segmentStart..<index], into: &ids)
                ids.append(special.id)
                index += special.length
                segmentStart = index
            } else {
                index += 1
            }
        }
        encodeSegment(scalars[segmentStart...], into: &ids)
        return ids
    }

    /// The sequence the encoder reads: `[CLS]`, at most `maxLength - 2` content ids, `[SEP]`.
    public func sequence(content ids: [Int], maxLength: Int) -> [Int] {
        [classifierID] + ids.prefix(max(0, maxLength - 2)) + [separatorID]
    }

    private func specialToken(in scalars: [Unicode.Scalar], at index: Int) -> (id: Int, length: Int)? {
        for special in specialTokens where index + special.scalars.count <= scalars.count {
            if scalars[index..<(index + special.scalars.count)].elementsEqual(special.scalars) {
                return (special.id, special.scalars.count)
            }
        }
        return nil
    }

    private func encodeSegment(_ text: ArraySlice<Unicode.Scalar>, into ids: inout [Int]) {
        guard !text.isEmpty else { return }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text)
        let normalized = normalizer.normalize(String(view))
        for word in BertPreTokenizer.words(normalized) {
            encodeWord(word, into: &ids)
        }
    }

    /// Greedy longest-match-first over the word's scalars.
    private func encodeWord(_ word: ArraySlice<Unicode.Scalar>, into ids: inout [Int]) {
        guard word.count <= maxCharactersPerWord else {
            ids.append(unknownID)
            return
        }
        // The UTF-8 offset where each scalar starts, so candidate pieces are byte slices.
        var bytes: [UInt8] = []
        var boundaries: [Int] = [0]
        for scalar in word {
            bytes.append(contentsOf: String(scalar).utf8)
            boundaries.append(bytes.count)
        }
        var pieces: [Int] = []
        var start = 0
        let count = word.count
        var key: [UInt8] = []
        while start < count {
            var end = count
            var found: Int? = nil
            while end > start {
                key.removeAll(keepingCapacity: true)
                if start > 0 { key.append(contentsOf: continuingPrefix) }
                key.append(contentsOf: bytes[boundaries[start]..<boundaries[end]])
                if let id = vocabulary[key] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                ids.append(unknownID)
                return
            }
            pieces.append(id)
            start = end
        }
        ids.append(contentsOf: pieces)
    }
}

extension WordPieceTokenizer {
    /// The text of token ids as `tokenizers`' WordPiece decoder gives it: special tokens
    /// skipped, `##` pieces joined to the piece before, the rest joined with spaces, and the
    /// spaces before punctuation and English contractions cleaned up.
    public func decode(_ ids: [Int]) -> String {
        var text = ""
        for id in ids {
            guard let piece = pieces[id], !specialIDs.contains(id) else { continue }
            if piece.starts(with: continuingPrefix) {
                text += String(decoding: piece.dropFirst(continuingPrefix.count), as: UTF8.self)
            } else {
                if !text.isEmpty { text += " " }
                text += String(decoding: piece, as: UTF8.self)
            }
        }
        for (from, to) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
                           (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            text = text.replacingOccurrences(of: from, with: to)
        }
        return text
    }
}
