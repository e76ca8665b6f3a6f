/// A kind of code pattern that a migration to another endpoint must revisit.
public enum AuditRule: String, Sendable, Codable, Hashable, CaseIterable {
    case hardCodedModel = "hard_coded_model"
    case clientSideTokenCount = "client_side_token_count"
    case unpinnedSampling = "unpinned_sampling"
    case hardCodedTokenLimit = "hard_coded_token_limit"
    case hardCodedBaseURL = "hard_coded_base_url"
    case featureNeedsProbe = "feature_needs_probe"

    /// Why the pattern matters in a migration.
    public var why: String {
        switch self {
        case .hardCodedModel:
            "the new endpoint serves different model names; a literal name breaks or silently routes elsewhere"
        case .clientSideTokenCount:
            "client-side tokenizers count for OpenAI's vocabularies; another model's tokenizer gives other counts"
        case .unpinnedSampling:
            "servers apply different sampling defaults when temperature/top_p are omitted, so outputs shift"
        case .hardCodedTokenLimit:
            "context windows and output limits differ between models; a literal limit truncates or overflows"
        case .hardCodedBaseURL:
            "a literal base URL cannot be pointed at the new endpoint without a code change"
        case .featureNeedsProbe:
            "support for this request feature varies between servers (ignored, rejected or broken)"
        }
    }

    /// What to do about it.
    public var action: String {
        switch self {
        case .hardCodedModel: "read the model name from configuration (e.g. an environment variable)"
        case .clientSideTokenCount: "use the server's usage counts, or the new model's own tokenizer"
        case .unpinnedSampling: "pin temperature (and top_p) explicitly, then compare with `switchyard golden`"
        case .hardCodedTokenLimit: "make the limit configurable per model, sized from the new model's context window"
        case .hardCodedBaseURL: "read the base URL from configuration (e.g. OPENAI_BASE_URL)"
        case .featureNeedsProbe: "run `switchyard probe` against the new endpoint and check this feature's row"
        }
    }
}

/// One place in the code that needs attention.
public struct AuditFinding: Sendable, Codable, Hashable {
    /// Path relative to the scanned root.
    public var file: String
    /// 1-based line number.
    public var line: Int
    public var rule: AuditRule
    /// What was found, e.g. `model "gpt-4o"`.
    public var what: String
    public var why: String
    public var action: String
}
