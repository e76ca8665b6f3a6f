/// A chat template (a GGUF model's `tokenizer.chat_template`), parsed once and rendered
/// per request exactly as Hugging Face transformers renders it with Python's jinja2:
/// `trim_blocks` and `lstrip_blocks` on, loop controls, `raise_exception`, `strftime_now`,
/// and a `tojson` filter that is `json.dumps(x, ensure_ascii=False, indent=indent)`.
///
/// ```swift
/// let template = try ChatTemplate(source: source)
/// let prompt = try template.render([
///     "messages": [["role": "user", "content": "Hello"]],
///     "add_generation_prompt": true,
///     "bos_token": "<s>", "eos_token": "</s>",
/// ])
/// ```
public struct ChatTemplate: Sendable {
    private let nodes: [Node]
    /// The bounds every render of this template runs under.
    public let limits: RenderLimits

    /// Parses `source`.
    ///
    /// - Throws: `TemplateError` of kind `.syntax` (with line and column) for invalid
    ///   syntax, `.unknownFilter`/`.unknownTest` for names jinja2 would reject at compile time.
    public init(source: String, limits: RenderLimits = RenderLimits()) throws(TemplateError) {
        var lexer = Lexer(source)
        var parser = Parser(tokens: try lexer.tokenize())
        nodes = try parser.parseTemplate()
        self.limits = limits
    }

    /// Renders the template with `context` as its variables (`messages`, `tools`,
    /// `add_generation_prompt`, `bos_token`…).
    ///
    /// - Throws: `TemplateError`; `.raised` carries the template's own message verbatim.
    public func render(_ context: [String: TemplateValue]) throws(TemplateError) -> String {
        var interpreter = Interpreter(context: context, limits: limits)
        var output = ""
        _ = try interpreter.execute(nodes, into: &output)
        return output
    }
}
