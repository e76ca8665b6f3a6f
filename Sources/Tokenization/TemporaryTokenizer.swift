// TEMPORARY stand-in for the tokenizer branch (deleted when it merges): same public API,
// decoding only, so the engine can be written and checked meanwhile.
import GGUF

public enum TokenizerError: Error { case missing(String) }

public final class Tokenizer: Sendable {
    let pieces: [[UInt8]]
    let special: Set<Int>
    public let bosTokenID: Int?
    public let eosTokenID: Int?
    public let addsBOS: Bool = false
    public var vocabularySize: Int { pieces.count }
    public var endOfGenerationTokenIDs: Set<Int> { [2, 0] }
    public var allTokenBytes: [[UInt8]] { pieces }

    public init(gguf: GGUFFile) throws(TokenizerError) {
        guard let tokens = try? gguf.metadata.stringArray("tokenizer.ggml.tokens"),
              let types = try? gguf.metadata.intArray("tokenizer.ggml.token_type") else { throw .missing("vocab") }
        var decoder: [Character: UInt8] = [:]
        var n = 0
        for b in 0..<256 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            if printable { decoder[Character(Unicode.Scalar(UInt8(b)))] = UInt8(b) } else {
                decoder[Character(Unicode.Scalar(UInt32(256 + n))!)] = UInt8(b); n += 1
            }
        }
        pieces = tokens.enumerated().map { i, t in types[i] == 3 ? Array(t.utf8) : t.map { decoder[$0] ?? 0x3F } }
        special = Set(types.enumerated().filter { $0.element == 3 }.map(\.offset))
        bosTokenID = 1
        eosTokenID = 2
    }
    public func encode(_ text: String, parseSpecial: Bool = true) -> [Int] { [] }
    public func decode(_ ids: [Int], skipSpecial: Bool = false) -> String {
        String(decoding: ids.flatMap { pieces[$0] }, as: UTF8.self)
    }
    public func tokenBytes(_ id: Int) -> [UInt8] { pieces[id] }
    public func tokenText(_ id: Int) -> String { String(decoding: pieces[id], as: UTF8.self) }
    public func isSpecial(_ id: Int) -> Bool { special.contains(id) }
    public func tokenID(forPiece piece: String) -> Int? { pieces.firstIndex(of: Array(piece.utf8)) }
}

public struct IncrementalDetokenizer: Sendable {
    let tokenizer: Tokenizer
    var pending: [UInt8] = []
    public init(tokenizer: Tokenizer) { self.tokenizer = tokenizer }
    public mutating func append(_ id: Int) -> String {
        pending += tokenizer.tokenBytes(id)
        if let s = String(validating: pending, as: UTF8.self) { pending = []; return s }
        return ""
    }
    public mutating func finish() -> String {
        defer { pending = [] }
        return String(decoding: pending, as: UTF8.self)
    }
}
