import OpenAI

struct Chat {
    let openAI = OpenAI(apiToken: "sk-placeholder")
    let contextWindow = 128000

    func ask(_ text: String) async throws -> String {
        let query = ChatQuery(messages: [.user(.init(content: .string(text)))], model: "gpt-4o")
        let result = try await openAI.chats(query: query)
        return result.choices.first?.message.content ?? ""
    }
}
