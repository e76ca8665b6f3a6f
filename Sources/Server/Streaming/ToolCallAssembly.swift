import Engine
import OpenAIWire

/// Joins streamed tool-call pieces into whole calls for non-streamed responses.
enum ToolCallAssembly {
    static func add(_ delta: ToolCallDelta, to calls: inout [ToolCallFragment]) {
        if let position = calls.firstIndex(where: { $0.index == delta.index }) {
            calls[position].arguments += delta.arguments
            if let id = delta.id { calls[position].id = id }
            if let name = delta.name { calls[position].name = name }
        } else {
            calls.append(delta)
        }
    }
}
