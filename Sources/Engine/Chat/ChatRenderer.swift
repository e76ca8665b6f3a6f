import ConstrainedDecoding
import OpenAIWire
import Templating
import Tokenization

/// Turns OpenAI-shaped chat messages into the prompt text the model was trained on, with the
/// model's own `tokenizer.chat_template`. A file without one gets llama.cpp's built-in template
/// of its family: Gemma's turn format when the vocabulary has `<start_of_turn>`, else ChatML.
struct ChatRenderer: Sendable {
    let template: ChatTemplate
    /// The template text, to check which variables it reads.
    let source: String
    let bosToken: String
    let eosToken: String
    /// How the model writes tool calls: its template's own syntax, else the Hermes format
    /// `ToolPrompt` describes.
    let toolCallFormat: ToolCallFormat

    static let chatMLFallback = """
        {% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}
        """

    /// llama.cpp's `LLM_CHAT_TEMPLATE_GEMMA`: `assistant` becomes `model`, contents are
    /// trimmed, and system messages (Gemma has no system turn) are merged into the next user
    /// turn, followed by a blank line.
    static let gemmaFallback = """
        {%- set ns = namespace(system='') -%}{%- for message in messages -%}{%- set content = (message['content'] or '') | trim -%}{%- if message['role'] == 'system' -%}{%- set ns.system = ns.system + content -%}{%- else -%}{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}{{- '<start_of_turn>' + role + '\n' -}}{%- if ns.system != '' and role != 'model' -%}{{- ns.system + '\n\n' -}}{%- set ns.system = '' -%}{%- endif -%}{{- content + '<end_of_turn>\n' -}}{%- endif -%}{%- endfor -%}{%- if add_generation_prompt -%}{{- '<start_of_turn>model\n' -}}{%- endif -%}
        """

    /// The built-in template for a model whose file carries none.
    static func fallbackTemplate(for tokenizer: Tokenizer) -> String {
        tokenizer.tokenID(forPiece: "<start_of_turn>") != nil ? gemmaFallback : chatMLFallback
    }

    init(templateSource: String?, tokenizer: Tokenizer) throws(EngineError) {
        let source = templateSource ?? Self.fallbackTemplate(for: tokenizer)
        do {
            template = try ChatTemplate(source: source)
        } catch {
            throw .invalidModel("its chat template does not parse: \(error)")
        }
        self.source = source
        var format = Self.supportsTools(source) ? ToolCallFormat.native(inTemplate: source) ?? ToolPrompt.format : ToolPrompt.format
        // Qwen3 (and R1-style templates) let the model think before it answers or calls.
        if source.contains("<think>"), source.contains("</think>") { format.reasoning = .think }
        toolCallFormat = format
        bosToken = tokenizer.bosTokenID.map { tokenizer.tokenText($0) } ?? ""
        eosToken = tokenizer.eosTokenID.map { tokenizer.tokenText($0) } ?? ""
    }

    /// Whether the template renders tool definitions itself.
    var supportsTools: Bool { Self.supportsTools(source) }

    static func supportsTools(_ source: String) -> Bool { source.contains("tools") }

    func render(messages: JSONValue, tools: JSONValue?, addGenerationPrompt: Bool,
                templateArguments: JSONObject = JSONObject()) throws(EngineError) -> String {
        guard case .array(var list) = messages else { throw .invalidRequest("messages must be an array") }
        let offeredTools = tools.flatMap(\.arrayValue) ?? []
        if !supportsTools {
            // The template knows nothing of tools: describe them and render calls and results as text.
            list = ToolPrompt.inline(tools: offeredTools, into: list)
        }
        var context: [String: TemplateValue] = [
            "messages": .array(list.map { Self.templateMessage($0, nullContentAsEmpty: supportsTools) }),
            "add_generation_prompt": .bool(addGenerationPrompt),
            "bos_token": .string(bosToken),
            "eos_token": .string(eosToken),
        ]
        if supportsTools, !offeredTools.isEmpty { context["tools"] = Self.templateValue(.array(offeredTools)) }
        for entry in templateArguments.entries where context[entry.key] == nil {
            context[entry.key] = Self.templateValue(entry.value)
        }
        do {
            return try template.render(context)
        } catch {
            // raise_exception(...) in a template rejects the conversation (e.g. roles out of order).
            throw .invalidRequest("the model's chat template rejected the messages: \(error.message)")
        }
    }

    /// One message as templates expect it: text parts joined into a string, and tool-call
    /// arguments as objects (HF templates apply `tojson` to them) rather than JSON text.
    /// With `nullContentAsEmpty` (templates that render tools), an assistant's `content: null`
    /// beside its `tool_calls` becomes "", as llama.cpp's `requires_non_null_content` does:
    /// Qwen3's template tests `'</think>' in message.content`, which fails on null.
    static func templateMessage(_ message: JSONValue, nullContentAsEmpty: Bool = false) -> TemplateValue {
        guard case .object(var object) = message else { return templateValue(message) }
        if nullContentAsEmpty, object["content"] == nil || object["content"]?.isNull == true { object["content"] = "" }
        // OpenAI's `developer` role is what chat templates call `system`.
        if object["role"]?.stringValue == "developer" { object["role"] = "system" }
        if case .array(let parts) = object["content"] {
            let text = parts.compactMap { part -> String? in
                part["type"]?.stringValue == "text" ? part["text"]?.stringValue : nil
            }.joined()
            object["content"] = .string(text)
        }
        if case .array(let calls) = object["tool_calls"] {
            object["tool_calls"] = .array(calls.map { call in
                guard case .object(var callObject) = call, case .object(var function) = callObject["function"],
                      let arguments = function["arguments"]?.stringValue,
                      let parsed = try? JSONValue.parse(arguments)
                else { return call }
                function["arguments"] = parsed
                callObject["function"] = .object(function)
                return .object(callObject)
            })
        }
        return templateValue(.object(object))
    }

    static func templateValue(_ value: JSONValue) -> TemplateValue {
        switch value {
        case .null: .none
        case .bool(let b): .bool(b)
        case .int(let i): .int(i)
        case .double(let d): .double(d)
        case .string(let s): .string(s)
        case .array(let a): .array(a.map(templateValue))
        case .object(let o): .object(TemplateObject(o.entries.map { TemplateObject.Entry(key: $0.key, value: templateValue($0.value)) }))
        }
    }
}
