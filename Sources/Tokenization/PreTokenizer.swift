/// Splits raw text into the words BPE merges within, as llama.cpp does for each value of
/// `tokenizer.ggml.pre`: a sequence of regex passes, each applied to every piece the
/// previous pass produced, with unmatched stretches kept as pieces of their own.
///
/// The regexes are hand-written matchers over Unicode scalars (no regex engine). The choice
/// of passes per model lives in `init(name:)` only; another model's regex is another `Pass`
/// (a matcher in `ScalarText+<Name>.swift`) and a case there.
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
        /// Llama 3's regex (numbers in groups of up to `maxDigits`; Qwen 2 uses 1).
        case llama3(maxDigits: Int)
    }

    let name: String
    let passes: [Pass]
    /// llama.cpp's `add_bos` default for this pre-tokenizer (the file's `add_bos_token` wins).
    let addsBOSByDefault: Bool
    /// Words found whole in the vocabulary skip merging (llama3-style tokenizers).
    let ignoresMerges: Bool

    static var supportedNames: [String] {
        (["default"] + gpt2Names.sorted() + digitSplittingNames.sorted() + llama3Names.sorted() + qwen2Names.sorted())
    }

    private static let gpt2Names: Set = ["gpt-2", "phi-2", "mpt", "olmo", "jais", "jina-es", "jina-de", "gigachat", "mellum"]
    private static let digitSplittingNames: Set = ["smollm", "starcoder", "refact", "codeshell", "command-r", "exaone", "minerva-7b"]
    private static let llama3Names: Set = ["llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2"]
    private static let qwen2Names: Set = ["qwen2", "deepseek-r1-qwen", "kormo", "megrez", "stablelm2"]

    /// The pre-tokenizer named by `tokenizer.ggml.pre` (a missing key means "default").
    init(name: String) throws(TokenizerError) {
        self.name = name
        let isLlama3 = Self.llama3Names.contains(name)
        addsBOSByDefault = isLlama3
        ignoresMerges = isLlama3
        if isLlama3 {
            passes = [.llama3(maxDigits: 3)]
        } else if Self.qwen2Names.contains(name) {
            passes = [.llama3(maxDigits: 1)]
        } else if name == "default" {
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
                case .llama3(let maxDigits): text.splitLlama3(piece, maxDigits: maxDigits, into: &next)
                }
            }
            pieces = next
        }
        return pieces
    }
}
