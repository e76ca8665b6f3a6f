/// Which tokens end generation, found as llama.cpp does: ids from metadata where present,
/// otherwise by the token's text. Tokens recognised by text are forced to CONTROL type
/// (llama.cpp's "control-looking token" override), which changes how they tokenize.
struct SpecialTokenRoles {
    private(set) var endOfGeneration: Set<Int> = []
    private(set) var forcedControl: [Int] = []

    private static let endOfTurnTexts: Set = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
        "<EOT>", "_<EOT>", "<｜end▁of▁sentence｜>", "<end_of_utterance>",
    ]
    private static let endOfGenerationTexts: Set = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<end_of_turn>", "<|endoftext|>",
        "<|eom_id|>", "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>",
    ]
    private static let fimPrefixTexts: Set = ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>"]
    private static let fimSuffixTexts: Set = ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>"]
    private static let fimMiddleTexts: Set = ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>"]
    private static let fimPadTexts: Set = ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>"]
    private static let fimRepoTexts: Set = ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"]
    private static let fimSeparatorTexts: Set = ["<|file_sep|>"]

    init(
        lookup: (String) -> Int?, eos: Int?, eot: Int?, eom: Int?,
        fimPad: Int?, fimRep: Int?, fimSep: Int?
    ) {
        /// The id given in metadata, else the lowest id whose text is in `texts` (forced to CONTROL).
        func find(_ given: Int?, _ texts: Set<String>) -> Int? {
            if let given { return given }
            guard let id = texts.compactMap(lookup).min() else { return nil }
            forcedControl.append(id)
            return id
        }
        let eot = find(eot, Self.endOfTurnTexts)
        let eom = find(eom, ["<|eom_id|>"])
        _ = find(nil, Self.fimPrefixTexts)
        _ = find(nil, Self.fimSuffixTexts)
        _ = find(nil, Self.fimMiddleTexts)
        for id in [find(fimPad, Self.fimPadTexts), find(fimRep, Self.fimRepoTexts), find(fimSep, Self.fimSeparatorTexts)] {
            if let id { endOfGeneration.insert(id) }
        }
        for text in Self.endOfGenerationTexts {
            guard let id = lookup(text) else { continue }
            endOfGeneration.insert(id)
            forcedControl.append(id)
        }
        for id in [eos, eot, eom] { if let id { endOfGeneration.insert(id) } }
    }
}
