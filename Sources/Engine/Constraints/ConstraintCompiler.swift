import ConstrainedDecoding
import Synchronization
import Tokenization

/// Compiles output constraints into grammars over this model's vocabulary. The vocabulary's
/// token trie is built on first use (tens of milliseconds) and shared by every request.
final class ConstraintCompiler: Sendable {
    private let tokenizer: Tokenizer
    private let vocabularyCache = Mutex<TokenVocabulary?>(nil)

    init(tokenizer: Tokenizer) {
        self.tokenizer = tokenizer
    }

    var vocabulary: TokenVocabulary {
        vocabularyCache.withLock { cached in
            if let cached { return cached }
            let special = Set((0..<tokenizer.vocabularySize).filter { tokenizer.isSpecial($0) })
            let built = TokenVocabulary(tokenBytes: tokenizer.allTokenBytes,
                                        endOfGenerationTokenIDs: tokenizer.endOfGenerationTokenIDs,
                                        specialTokenIDs: special)
            // The string, number and value states are shared by every JSON grammar: working out
            // their masks once here removes the first-use spikes from later requests.
            built.precomputeMasks(for: .jsonObject)
            cached = built
            return built
        }
    }

    /// A fresh matcher for one sequence.
    /// - Throws: `EngineError.invalidRequest` naming the schema problem (and the keyword, for
    ///   keywords that cannot be enforced under `strict`).
    func matcher(for constraint: OutputConstraint) throws(EngineError) -> GrammarMatcher {
        let grammar: Grammar
        do {
            switch constraint {
            case .jsonObject:
                grammar = .jsonObject
            case .jsonSchema(let schema, let strict):
                grammar = try JSONSchemaCompiler.compile(schema, strict: strict)
            case .toolCalls(let tools):
                grammar = try ToolCallGrammar.build(
                    tools: tools.tools, choice: tools.choice, parallel: tools.parallel, format: tools.format ?? .hermes)
            }
        } catch {
            throw .invalidSchema(message: error.message, keyword: error.keyword)
        }
        let vocabulary = vocabulary
        // A state first reached while decoding has its mask worked out on the scheduler thread,
        // a walk of the whole token trie (~10-30 ms at a 262,144-token vocabulary) that stalls
        // every sequence of the batch; a bounded string (`maxLength`) alone has a state per
        // length. Computing them here, on the requesting task before it queues, moves that cost
        // into this request's time to first token. States already known (same signature, e.g.
        // an earlier request with this schema) cost a lookup. The bound keeps a huge grammar
        // from delaying its first token without limit; what is left stays lazy.
        vocabulary.precomputeMasks(for: grammar, until: ContinuousClock.now + Self.precomputeBudget)
        return GrammarMatcher(grammar: grammar, vocabulary: vocabulary)
    }

    /// Longest a request spends computing its grammar's masks before it queues.
    static let precomputeBudget = Duration.milliseconds(400)
}
