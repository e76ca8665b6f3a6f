/// Finds stop sequences in streamed text and holds back text that might be the start of one,
/// so no client ever sees part of a stop sequence. Works on UTF-8 bytes; input arrives in
/// whole Unicode scalars, so every cut it makes falls on a scalar boundary.
struct StopSequenceMatcher: Sendable {
    private let stops: [[UInt8]]
    private var held: [UInt8] = []

    init(_ stopSequences: [String]) {
        stops = stopSequences.map { Array($0.utf8) }.filter { !$0.isEmpty }
    }

    enum Outcome: Equatable {
        /// Text safe to release now (possibly empty).
        case text(String)
        /// A stop sequence was found: release this text, then stop.
        case stopped(String)
    }

    /// Feeds newly decoded text.
    mutating func append(_ text: String) -> Outcome {
        guard !stops.isEmpty else { return .text(text) }
        held.append(contentsOf: text.utf8)
        if let cut = firstMatch() {
            let before = String(decoding: held[..<cut], as: UTF8.self)
            held.removeAll()
            return .stopped(before)
        }
        let keep = longestSuffixThatStartsAStop()
        let releaseCount = held.count - keep
        let released = String(decoding: held[..<releaseCount], as: UTF8.self)
        held.removeFirst(releaseCount)
        return .text(released)
    }

    /// The text still held back, released when generation ends for another reason.
    mutating func flush() -> String {
        defer { held.removeAll() }
        return String(decoding: held, as: UTF8.self)
    }

    /// Byte offset of the earliest complete stop sequence in the held text.
    private func firstMatch() -> Int? {
        var earliest: Int?
        for stop in stops where stop.count <= held.count {
            var start = 0
            while start + stop.count <= held.count, start < (earliest ?? .max) {
                if held[start..<start + stop.count].elementsEqual(stop) {
                    earliest = start
                    break
                }
                start += 1
            }
        }
        return earliest
    }

    /// Length of the longest suffix of the held text that is a proper prefix of a stop sequence.
    private func longestSuffixThatStartsAStop() -> Int {
        var best = 0
        for stop in stops {
            var length = min(stop.count - 1, held.count)
            while length > best {
                if held[(held.count - length)...].elementsEqual(stop[..<length]) {
                    best = length
                    break
                }
                length -= 1
            }
        }
        return best
    }
}
