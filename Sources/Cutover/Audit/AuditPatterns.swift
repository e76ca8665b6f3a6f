import Foundation

/// The regular expressions behind the audit rules, and the small scanners that use them.
enum AuditPatterns {
    static func regex(_ pattern: String, caseInsensitive: Bool = false) -> NSRegularExpression? {
        try? NSRegularExpression(pattern: pattern, options: caseInsensitive ? [.caseInsensitive] : [])
    }

    /// A quoted literal that names a well-known hosted or open model.
    static let modelName = regex(#"["'`]((?:gpt-(?:3\.5|4|4o|4\.1|5)[\w.\-]*|chatgpt-[\w.\-]+|o[134](?:-mini|-preview|-pro)?(?:-\d{4}-\d{2}-\d{2})?|text-davinci-\d+|text-embedding-[\w\-]+|claude-[\w.\-]+|gemini-[\w.\-]+|(?:meta-llama|mistralai|Qwen|google|microsoft|HuggingFaceTB)/[\w.\-]+|llama-?\d[\w.\-]*|mistral-[\w.\-]+|mixtral-[\w.\-]+))["'`]"#)

    /// Client-side tokenizer libraries and helpers.
    static let tokenizer = regex(#"\b(tiktoken|js-tiktoken|@dqbd/tiktoken|gpt-tokenizer|gpt3-tokenizer|encoding_for_model|encodingForModel|jtokkit|Tiktoken|GPT2TokenizerFast|GPT2Tokenizer|num_tokens_from_\w+)\b"#)

    /// The "four characters per token" estimate (only where tokens are mentioned nearby:
    /// `len(binary) // 4` counting 4-byte floats is not one).
    static let charsPerToken = regex(#"(?:len\([^)]*\)|\.length|\.count|\.size\(\))\s*/{1,2}\s*4(?:\.0)?\b"#)

    /// Literal output limits and context-window constants.
    static let tokenLimit = regex(#"(?:\b(?:max_tokens|max_completion_tokens|max_output_tokens|maxTokens|MaxTokens|maxCompletionTokens|MaxCompletionTokens|maxOutputTokens)\b["']?\s*(?:[:=]|=>)\s*\d+|\.(?:maxTokens|maxCompletionTokens)\(\s*\d+L?\s*\)|\b\w*(?:CONTEXT|Context|context|TOKENS|Tokens|tokens|TOKEN_LIMIT|TokenLimit)\w*\s*(?::\s*\w+\s*)?(?::=|=)\s*[\d_]{4,}\b|\btoken\w*[^\n]{0,40}?[<>]=?\s*(?:2048|4096|8192|16384|16385|32768|65536|128000|131072|200000)\b)"#)

    /// A quoted URL of a hosted API, or any URL ending in /v1.
    static let baseURL = regex(#"["'`](https?://[^"'`\s]*(?:openai\.com|openai\.azure\.com|anthropic\.com|together\.xyz|together\.ai|groq\.com|fireworks\.ai|mistral\.ai|deepseek\.com|openrouter\.ai|/v1)[^"'`\s]*)["'`]"#)

    /// Files that talk to an LLM API; request-shape rules only apply inside them.
    static let llmClient = regex(#"(?i)openai|chat\.completions|chat/completions|chatcompletion|chatquery|anthropic|litellm|langchain|/v1/completions"#)

    /// A declaration or type annotation rather than a request key (`var seed: UInt64`, `seed: number`).
    static let declaration = regex(#"(?:\b(?:var|let|const|val|case|func|def|type|interface|struct|enum|class)\s+\w+\b|\b\w+\s*\??:\s*(?:\[[A-Z]|[A-Z]\w*\b|number\b|string\b|boolean\b|any\b|unknown\b))"#)

    /// Request keys whose support varies between servers (as keys or keyword arguments).
    static let featureKey = regex(#"\b(logprobs|top_logprobs|topLogprobs|TopLogProbs|LogProbs|seed|Seed|tool_choice|toolChoice|ToolChoice|tools|Tools|image_url|imageUrl|ImageURL|response_format|responseFormat|ResponseFormat|json_schema|parallel_tool_calls|parallelToolCalls|ParallelToolCalls)\b["']?\s*(?::|=(?!=)|=>)"#)
    /// The same keys in Python: a quoted dict key (group 1), a subscript assignment (group 2) or
    /// an unquoted keyword (group 3, a request argument only inside a call's brackets).
    static let pythonFeatureKey = regex(
        #"(?:["'](logprobs|top_logprobs|seed|tool_choice|tools|image_url|response_format|json_schema|parallel_tool_calls)["']\s*:|\[\s*["'](logprobs|top_logprobs|seed|tool_choice|tools|image_url|response_format|json_schema|parallel_tool_calls)["']\s*\]\s*=(?!=)|\b(logprobs|top_logprobs|seed|tool_choice|tools|image_url|response_format|json_schema|parallel_tool_calls)\s*=(?!=))"#)
    /// `n` above 1 as a quoted key, keyword argument or struct field.
    static let choicesKey = regex(#"(?:["']n["']\s*(?::|=>)\s*[2-9]|[(,{]\s*n\s*[:=]\s*[2-9]|\bN:\s*[2-9]|\.n\(\s*[2-9])"#)
    /// Java/Kotlin builder methods for the same features.
    static let featureBuilder = regex(#"\.(logprobs|topLogprobs|seed|toolChoice|addTool|tools|responseFormat|parallelToolCalls)\("#)

    /// Chat completion call sites of the common SDKs.
    static let completionCall = regex(#"(chat\.completions\.create|completions\.create|ChatCompletion\.create|Completion\.create|createChatCompletion|CreateChatCompletion|CreateChatCompletionStream|ChatCompletionCreateParams\.builder|ChatCompletionNewParams|ChatQuery|\.chat\(\s*parameters)"#)

    /// Environment or configuration lookups: a literal on such a line is only a default.
    static let configuration = regex(#"(getenv|environ|process\.env|ENV\[|ENV\.fetch|System\.getenv|ProcessInfo|os\.Getenv|LookupEnv|config\.|settings\.|Config\.|Settings\.)"#)

    static func readsConfiguration(_ line: String) -> Bool { first(configuration, in: line) != nil }

    static func talksToLLM(_ text: String) -> Bool { first(llmClient, in: text) != nil }

    /// Whether `key` on `line` is declared (`var key`, `case key`) or annotated with a type.
    static func isDeclaration(of key: String, in line: String) -> Bool {
        guard let declaration else { return false }
        let range = NSRange(line.startIndex..., in: line)
        return declaration.matches(in: line, range: range).contains { match in
            guard let found = Range(match.range, in: line) else { return false }
            let text = line[found]
            return text.hasSuffix(key) || text.hasPrefix(key) || text.contains(" \(key)")
        }
    }

    /// The first match (or capture group) of `regex` in `line`.
    static func first(_ regex: NSRegularExpression?, in line: String, group: Int = 0) -> String? {
        guard let regex else { return nil }
        let range = NSRange(line.startIndex..., in: line)
        guard let match = regex.firstMatch(in: line, range: range),
            let found = Range(match.range(at: group), in: line)
        else { return nil }
        return String(line[found])
    }

    /// A feature key on this line, if any; declarations and type annotations do not count.
    /// Python code is judged with its brackets (`python`, for line `index`).
    static func feature(in line: String, language: SourceLanguage, python: PythonBrackets? = nil, index: Int = 0) -> String? {
        if language == .python {
            if let key = pythonFeature(in: line, brackets: python, index: index) { return key }
        } else if let key = first(featureKey, in: line, group: 1), !isDeclaration(of: key, in: line) {
            return key
        }
        if first(choicesKey, in: line) != nil { return "n > 1" }
        if language == .java, let method = first(featureBuilder, in: line, group: 1) { return method }
        return nil
    }

    /// A Python request key: quoted or subscripted anywhere, a bare keyword only as a call's
    /// argument (not a `def` parameter's default, not a statement's variable, never `name:`).
    static func pythonFeature(in line: String, brackets: PythonBrackets?, index: Int) -> String? {
        guard let pythonFeatureKey, brackets?.startsInsideString(line: index) != true else { return nil }
        let range = NSRange(line.startIndex..., in: line)
        for match in pythonFeatureKey.matches(in: line, range: range) {
            for group in 1...2 {
                if let found = Range(match.range(at: group), in: line) { return String(line[found]) }
            }
            guard let found = Range(match.range(at: 3), in: line) else { continue }
            let column = line.distance(from: line.startIndex, to: found.lowerBound)
            if brackets?.innermost(line: index, column: column) == .call { return String(line[found]) }
        }
        return nil
    }

    /// Lines with comments blanked out (so line numbers stay), string contents kept.
    static func codeLines(_ lines: [String], language: SourceLanguage) -> [String] {
        var inBlock = false
        var openString: String?
        return lines.map { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if language.hasBlockComments {
                if inBlock {
                    if trimmed.contains("*/") { inBlock = false }
                    return ""
                }
                if trimmed.hasPrefix("/*") {
                    inBlock = !trimmed.contains("*/")
                    return ""
                }
            }
            if language == .python {
                // Text inside a triple-quoted string (a docstring, a prompt) is data, not code:
                // its lines are blanked; the line that opens it keeps its code unless it is a docstring.
                if let delimiter = openString {
                    if line.components(separatedBy: delimiter).count % 2 == 0 { openString = nil }
                    return ""
                }
                for delimiter in ["\"\"\"", "\'\'\'"] where line.components(separatedBy: delimiter).count % 2 == 0 {
                    openString = delimiter
                    return trimmed.hasPrefix(delimiter) ? "" : line
                }
                if trimmed.hasPrefix("\"\"\"") || trimmed.hasPrefix("\'\'\'") { return "" }
            }
            if trimmed.hasPrefix(language.lineComment) || trimmed.hasPrefix("*") && language.hasBlockComments { return "" }
            return line
        }
    }

    /// The text of a call from its opening bracket to the matching close (at most 60 lines);
    /// Java builders run to `.build()`.
    static func callSpan(_ lines: [String], from index: Int, call: String) -> String {
        var span = ""
        var depth = 0
        var opened = false
        let isBuilder = call.hasSuffix(".builder")
        for lineIndex in index..<min(lines.count, index + 60) {
            var line = lines[lineIndex]
            if lineIndex == index, let start = line.range(of: call) { line = String(line[start.lowerBound...]) }
            span += line + "\n"
            if isBuilder {
                if line.contains(".build()") { return span }
                continue
            }
            for character in line {
                switch character {
                case "(", "{", "[": depth += 1; opened = true
                case ")", "}", "]": depth -= 1
                default: break
                }
                if opened && depth <= 0 { return span }
            }
        }
        return span
    }

    /// Whether the request's messages are written in the call (so its parameters are visible).
    static func isInlineRequest(_ span: String) -> Bool {
        span.range(of: "message", options: .caseInsensitive) != nil
    }

    /// Whether the call passes arguments built elsewhere (`**kwargs`, `...options`), where
    /// temperature may well be set: the audit cannot tell, so it does not guess.
    static func spreadsArguments(_ span: String) -> Bool {
        span.range(of: #"(?:[(,]\s*\*\*\w|[({,]\s*\.\.\.\w)"#, options: .regularExpression) != nil
    }

    /// Whether any of these lines speaks of tokens.
    static func mentionsTokens(_ lines: ArraySlice<String>) -> Bool {
        lines.contains { $0.range(of: "token", options: .caseInsensitive) != nil }
    }

    static func pinsSampling(_ span: String) -> Bool {
        span.range(of: #"\b(temperature|Temperature|top_p|topP|TopP)\b"#, options: .regularExpression) != nil
    }
}
