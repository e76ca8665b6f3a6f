import ConstrainedDecoding

extension ToolCallFormat {
    /// The tool-call syntax a chat template teaches its model, recognised by the markers
    /// llama.cpp's `common/chat.cpp` looked for before its automatic template analysis:
    /// `<tool_call>` (Hermes 2/3, Qwen2.5, Qwen3) and Llama 3.x's `ipython` header. nil for a
    /// template with neither, whose tools are then described in the system prompt in the Hermes
    /// format (`ToolPrompt`) or, if the template renders `tools` itself, called in that format.
    ///
    /// A template that mentions `<think>` and `</think>` (Qwen3) also gets `reasoning`, set by
    /// `ChatRenderer`: the model may think before it calls.
    ///
    /// Mistral's `[TOOL_CALLS]` is a control token, which no grammar may produce here, so
    /// Mistral templates get the Hermes format too.
    static func native(inTemplate source: String) -> ToolCallFormat? {
        if source.contains("<tool_call>") { return .hermes }
        if source.contains("<|start_header_id|>ipython<|end_header_id|>") { return .llama3JSON }
        return nil
    }
}
