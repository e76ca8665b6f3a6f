/// Splits raw text into the words BPE merges within, as llama.cpp does for each value of
/// `tokenizer.ggml.pre`: a sequence of regex passes, each applied to every piece the
/// previous pass produced, with unmatched stretches kept as pieces of their own.
///
/// The regexes are hand-written matchers over Unicode scalars (no regex engine). The choice
/// of passes per model lives in `init(name:)` only; adding llama3 or qwen2 means adding
/// their matcher as a `Pass` and a case there.
struct PreTokenizer: Sendable {
    /// One regex of llama.cpp's list.
    enum Pass: Sendable {
        /// `\p{N}`: every number scalar alone.
        case eachNumber
        /// `\p{N}+`.
        case numberRuns
        /// `[\p{P}\$\+<=>\^`\|]+`.
        case punctuationRuns
        /// GPT-2's `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`.
        case gpt2
        /// `[0-9][0-9][0-9]`.
        case asciiDigitTriples
    }

    let name: String
    let passes: [Pass]
    /// llama.cpp's `add_bos` default for this pre-tokenizer (the file's `add_bos_token` wins).
    let addsBOSByDefault: Bool
    /// Words found whole in the vocabulary skip merging (llama3-style tokenizers).
    let ignoresMerges: Bool

    static let supportedNames = ["default", "gpt-2", "smollm", "starcoder", "refact", "codeshell"]

    private static let gpt2Names: Set = ["gpt-2", "phi-2", "mpt", "olmo", "jais", "jina-es", "jina-de", "gigachat", "mellum"]
    private static let digitSplittingNames: Set = ["smollm", "starcoder", "refact", "codeshell", "command-r", "exaone", "minerva-7b"]

    /// The pre-tokenizer named by `tokenizer.ggml.pre` (a missing key means "default").
    init(name: String) throws(TokenizerError) {
        self.name = name
        addsBOSByDefault = false
        ignoresMerges = false
        if name == "default" {
            passes = [.punctuationRuns, .gpt2, .numberRuns, .asciiDigitTriples]
        } else if Self.gpt2Names.contains(name) {
            passes = [.gpt2]
        } else if Self.digitSplittingNames.contains(name) {
            passes = [.eachNumber, .gpt2]
        } else {
            throw .unsupportedPreTokenizer(name)
        }
    }

    /// The words of `text`, as ranges of its scalar indices, in order and covering it all.
    func split(_ text: ScalarText) -> [Range<Int>] {
        var pieces = text.count > 0 ? [0..<text.count] : []
        for pass in passes {
            var next: [Range<Int>] = []
            next.reserveCapacity(pieces.count * 2)
            for piece in pieces {
                switch pass {
                case .eachNumber: text.splitEach(piece, into: &next) { $0.contains(.number) }
                case .numberRuns: text.splitRuns(piece, into: &next) { cls, _ in cls.contains(.number) }
                case .punctuationRuns:
                    text.splitRuns(piece, into: &next) { cls, scalar in
                        cls.contains(.punctuation) || ScalarText.isExtraPunctuation(scalar)
                    }
                case .gpt2: text.splitGPT2(piece, into: &next)
                case .asciiDigitTriples: text.splitDigitTriples(piece, into: &next)
                }
            }
            pieces = next
        }
        return pieces
    }
}
