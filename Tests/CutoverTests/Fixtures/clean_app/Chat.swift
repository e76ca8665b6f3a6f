import Foundation
import OpenAI

struct Chat {
    let openAI: OpenAI
    let model: String
    let temperature: Double

    func ask(_ text: String) async throws -> String {
        let query = ChatQuery(messages: [.user(.init(content: .string(text)))], model: model, temperature: temperature)
        let result = try await openAI.chats(query: query)
        return result.choices.first?.message.content ?? ""
    }
}
