extension ScalarText {
    /// The Llama 3 / Qwen 2 pre-tokenizer regex,
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    /// with `N` = `maxDigits` (3 for Llama 3, 1 for Qwen 2), matched by hand as llama.cpp's
    /// `unicode_regex_split_custom_llama3` does.
    func splitLlama3(_ piece: Range<Int>, maxDigits: Int, into out: inout [Range<Int>]) {
        let end = piece.upperBound
        let textClasses = classes
        let textScalars = scalars
        func classAt(_ index: Int) -> ScalarClass? { index < end ? textClasses[index] : nil }
        func isNewline(_ index: Int) -> Bool { index < end && (textScalars[index] == "\r" || textScalars[index] == "\n") }
        func lowered(_ index: Int) -> UInt32 {
            let value = textScalars[index].value
            return (0x41...0x5A).contains(value) ? value + 0x20 : value
        }

        var position = piece.lowerBound
        while position < end {
            let start = position
            let cls = textClasses[position]
            // (?i:'s|'t|'re|'ve|'m|'ll|'d)
            if textScalars[position] == "'", position + 1 < end {
                let next = lowered(position + 1)
                if next == 0x73 || next == 0x74 || next == 0x6D || next == 0x64 {  // s t m d
                    position += 2
                    out.append(start..<position)
                    continue
                }
                if position + 2 < end {
                    let third = lowered(position + 2)
                    if (next == 0x72 && third == 0x65) || (next == 0x76 && third == 0x65) || (next == 0x6C && third == 0x6C) {
                        position += 3
                        out.append(start..<position)
                        continue
                    }
                }
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !isNewline(position), !cls.contains(.number),
                cls.contains(.letter) || classAt(position + 1)?.contains(.letter) == true
            {
                position += 1
                while let next = classAt(position), next.contains(.letter) { position += 1 }
                out.append(start..<position)
                continue
            }
            // \p{N}{1,maxDigits}
            if cls.contains(.number) {
                var groupStart = position
                while let next = classAt(position), next.contains(.number) {
                    position += 1
                    if position - groupStart >= maxDigits {
                        out.append(groupStart..<position)
                        groupStart = position
                    }
                }
                if position > groupStart { out.append(groupStart..<position) }
                continue
            }
            // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
            let isSpace = textScalars[position] == " "
            if let leading = isSpace ? classAt(position + 1) : cls, leading.isDisjoint(with: [.whitespace, .letter, .number]) {
                if isSpace { position += 1 }
                while let next = classAt(position), next.isDisjoint(with: [.whitespace, .letter, .number]) { position += 1 }
                while isNewline(position) { position += 1 }
                out.append(start..<position)
                continue
            }
            var whitespaceCount = 0
            var afterLastNewline = 0
            while let next = classAt(position + whitespaceCount), next.contains(.whitespace) {
                if isNewline(position + whitespaceCount) { afterLastNewline = position + whitespaceCount + 1 }
                whitespaceCount += 1
            }
            if afterLastNewline > 0 {
                position = afterLastNewline  // \s*[\r\n]+
            } else if whitespaceCount > 1, position + whitespaceCount < end {
                position += whitespaceCount - 1  // \s+(?!\S)
            } else if whitespaceCount > 0 {
                position += whitespaceCount  // \s+
            } else {
                position += 1
            }
            out.append(start..<position)
        }
    }
}
