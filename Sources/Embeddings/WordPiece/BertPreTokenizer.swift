/// BERT's pre-tokenization (`tokenizers`' `BertPreTokenizer`): words are split at whitespace,
/// which is dropped, and every punctuation character becomes a word of its own.
public enum BertPreTokenizer {
    /// The words of normalized text, each as its scalars.
    public static func words(_ scalars: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var words: [ArraySlice<Unicode.Scalar>] = []
        var start: Int? = nil
        for (index, scalar) in scalars.enumerated() {
            if scalar.properties.isWhitespace {
                if let begin = start { words.append(scalars[begin..<index]) }
                start = nil
            } else if isPunctuation(scalar) {
                if let begin = start { words.append(scalars[begin..<index]) }
                words.append(scalars[index...index])
                start = nil
            } else if start == nil {
                start = index
            }
        }
        if let begin = start { words.append(scalars[begin...]) }
        return words
    }

    /// ASCII punctuation (which includes symbols such as `$`, `+`, `<`, `^`, `|`, `~`) and
    /// every Unicode punctuation category.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let value = scalar.value
            return (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value)
                || (123...126).contains(value)
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }
}
