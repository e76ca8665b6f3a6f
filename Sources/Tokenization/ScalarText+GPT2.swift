extension ScalarText {
    /// GPT-2's pre-tokenizer regex,
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`,
    /// matched by hand exactly as llama.cpp's `unicode_regex_split_custom_gpt2` does
    /// (the regex sees only `piece`: lookahead stops at its end).
    func splitGPT2(_ piece: Range<Int>, into out: inout [Range<Int>]) {
        let end = piece.upperBound
        let textClasses = classes
        let textScalars = scalars
        /// The classes at `index`, or nil past the piece.
        func classAt(_ index: Int) -> ScalarClass? { index < end ? textClasses[index] : nil }
        func isWord(_ cls: ScalarClass) -> Bool { !cls.isDisjoint(with: [.whitespace, .letter, .number]) }

        var position = piece.lowerBound
        while position < end {
            let start = position
            let scalar = textScalars[position].value
            // 's|'t|'re|'ve|'m|'ll|'d (case-sensitive)
            if scalar == 0x27, position + 1 < end {
                let next = textScalars[position + 1].value
                if next == 0x73 || next == 0x74 || next == 0x6D || next == 0x64 {  // s t m d
                    position += 2
                    out.append(start..<position)
                    continue
                }
                if position + 2 < end {
                    let third = textScalars[position + 2].value
                    if (next == 0x72 && third == 0x65) || (next == 0x76 && third == 0x65) || (next == 0x6C && third == 0x6C) {
                        position += 3
                        out.append(start..<position)
                        continue
                    }
                }
            }
            let isSpace = scalar == 0x20
            let leading = isSpace ? classAt(position + 1) : textClasses[position]
            if let leading {
                // ' ?\p{L}+' then ' ?\p{N}+'
                let runClass: ScalarClass? =
                    leading.contains(.letter) ? .letter : leading.contains(.number) ? .number : nil
                if let runClass {
                    if isSpace { position += 1 }
                    while let cls = classAt(position), cls.contains(runClass) { position += 1 }
                    out.append(start..<position)
                    continue
                }
                // ' ?[^\s\p{L}\p{N}]+'
                if !isWord(leading) {
                    if isSpace { position += 1 }
                    while let cls = classAt(position), !isWord(cls) { position += 1 }
                    out.append(start..<position)
                    continue
                }
            }
            var whitespaceCount = 0
            while let cls = classAt(position + whitespaceCount), cls.contains(.whitespace) { whitespaceCount += 1 }
            if whitespaceCount > 1, position + whitespaceCount < end {
                // '\s+(?!\S)': leave the last space to prefix the next word
                position += whitespaceCount - 1
            } else if whitespaceCount > 0 {
                position += whitespaceCount
            } else {
                position += 1
            }
            out.append(start..<position)
        }
    }
}
