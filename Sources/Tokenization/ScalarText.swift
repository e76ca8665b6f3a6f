/// A stretch of UTF-8 text decoded into scalars with their classes and byte offsets, so
/// the pre-tokenizer can work in scalars and hand back byte ranges.
struct ScalarText {
    private(set) var scalars: [Unicode.Scalar] = []
    private(set) var classes: [ScalarClass] = []
    /// `byteOffsets[i]` is where scalar `i` starts; one extra entry marks the end.
    private(set) var byteOffsets: [Int] = []

    var count: Int { scalars.count }

    /// Decodes valid UTF-8 (the bytes of a Swift `String`); offsets are indices of `bytes`.
    init(utf8 bytes: ArraySlice<UInt8>) {
        scalars.reserveCapacity(bytes.count)
        classes.reserveCapacity(bytes.count)
        byteOffsets.reserveCapacity(bytes.count + 1)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let lead = bytes[index]
            var value = UInt32(lead)
            var length = 1
            if lead >= 0xF0 {
                length = 4; value &= 0x07
            } else if lead >= 0xE0 {
                length = 3; value &= 0x0F
            } else if lead >= 0xC0 {
                length = 2; value &= 0x1F
            }
            length = min(length, bytes.endIndex - index)
            if length > 1 {
                for offset in 1..<length { value = value << 6 | UInt32(bytes[index + offset] & 0x3F) }
            }
            let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
            byteOffsets.append(index)
            scalars.append(scalar)
            classes.append(ScalarClass.of(scalar))
            index += length
        }
        byteOffsets.append(bytes.endIndex)
    }

    /// The byte range of the scalars in `range`.
    func byteRange(_ range: Range<Int>) -> Range<Int> {
        byteOffsets[range.lowerBound]..<byteOffsets[range.upperBound]
    }

    /// `$ + < = > ^ ` |`: symbols llama.cpp's default regex adds to `\p{P}`.
    @inline(__always)
    static func isExtraPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x24, 0x2B, 0x3C, 0x3D, 0x3E, 0x5E, 0x60, 0x7C: true
        default: false
        }
    }

    /// A regex matching single scalars: each match alone, the stretches between kept.
    func splitEach(_ piece: Range<Int>, into out: inout [Range<Int>], where matches: (ScalarClass) -> Bool) {
        var start = piece.lowerBound
        for index in piece where matches(classes[index]) {
            if index > start { out.append(start..<index) }
            out.append(index..<(index + 1))
            start = index + 1
        }
        if start < piece.upperBound { out.append(start..<piece.upperBound) }
    }

    /// A regex `[class]+`: maximal runs, the stretches between kept.
    func splitRuns(
        _ piece: Range<Int>, into out: inout [Range<Int>], where matches: (ScalarClass, Unicode.Scalar) -> Bool
    ) {
        var start = piece.lowerBound
        var index = piece.lowerBound
        while index < piece.upperBound {
            guard matches(classes[index], scalars[index]) else {
                index += 1
                continue
            }
            if index > start { out.append(start..<index) }
            var end = index + 1
            while end < piece.upperBound, matches(classes[end], scalars[end]) { end += 1 }
            out.append(index..<end)
            start = end
            index = end
        }
        if start < piece.upperBound { out.append(start..<piece.upperBound) }
    }

    /// `[0-9][0-9][0-9]`, scanning left to right as a regex engine does.
    func splitDigitTriples(_ piece: Range<Int>, into out: inout [Range<Int>]) {
        func isDigit(_ index: Int) -> Bool { (0x30...0x39).contains(scalars[index].value) }
        var start = piece.lowerBound
        var index = piece.lowerBound
        while index + 3 <= piece.upperBound {
            if isDigit(index), isDigit(index + 1), isDigit(index + 2) {
                if index > start { out.append(start..<index) }
                out.append(index..<(index + 3))
                index += 3
                start = index
            } else {
                index += 1
            }
        }
        if start < piece.upperBound { out.append(start..<piece.upperBound) }
    }
}
