/// Renders a Responses conversation (the stored chain's items, then this turn's) as the chat
/// messages the model's template takes.
public enum ResponseConversation {
    /// - Parameters:
    ///   - instructions: this turn's `instructions`, first as a system message.
    ///   - items: every item of the conversation in order: earlier turns' inputs and outputs, then the new input.
    public static func chatMessages(instructions: String?, items: [ResponseItem]) -> [ChatMessage] {
        var messages: [ChatMessage] = []
        if let instructions, !instructions.isEmpty {
            messages.append(ChatMessage(role: .system, content: [.text(instructions)]))
        }
        var callNames: [String: String] = [:]
        for item in items {
            switch item {
            case .message(_, let role, let texts):
                let chatRole: ChatMessage.Role =
                    switch role {
                    case .user: .user
                    case .assistant: .assistant
                    case .system: .system
                    case .developer: .developer
                    }
                messages.append(ChatMessage(role: chatRole, content: [.text(texts.joined())]))
            case .functionCall(_, let callID, let name, let arguments):
                callNames[callID] = name
                let call: JSONValue = [
                    "id": .string(callID), "type": "function", "function": ["name": .string(name), "arguments": .string(arguments)],
                ]
                // The calls of one turn (and the text before them) are one assistant message, as chat has it.
                if let last = messages.last, last.role == .assistant, case .array(let calls) = last.toolCalls ?? .array([]) {
                    messages[messages.count - 1].toolCalls = .array(calls + [call])
                } else {
                    messages.append(ChatMessage(role: .assistant, content: [], toolCalls: [call]))
                }
            case .functionCallOutput(_, let callID, let output):
                messages.append(ChatMessage(role: .tool, content: [.text(output)], name: callNames[callID], toolCallID: callID))
            }
        }
        return messages
    }
}

extension ChatCompletionRequest {
    /// The chat completion a Responses turn runs as: the rendered conversation, the turn's sampling
    /// options, tools, tool choice and `text.format` as `response_format`.
    public init(response request: ResponseRequest, conversation: [ResponseItem]) {
        model = request.model
        messages = ResponseConversation.chatMessages(instructions: request.instructions, items: conversation)
        options = request.options
        options.n = 1
        logprobs = false
        topLogprobs = nil
        tools = request.tools.isEmpty ? nil : .array(request.tools.map(\.chatValue))
        toolChoice = request.tools.isEmpty ? nil : request.toolChoice.chatValue
        parallelToolCalls = request.parallelToolCalls
        responseFormat = request.format
        chatTemplateArguments = JSONObject()
        ignoredFields = request.ignoredFields
    }
}
