public import Foundation

/// Stored responses in process memory: for a server without a database (tests, embedding in
/// another program). Lost when the process ends.
public actor InMemoryResponseStore: ResponseStore {
    private var responses: [String: StoredResponse] = [:]

    public init() {}

    public func save(_ response: StoredResponse) async throws(AccountsError) {
        responses[response.id] = response
    }

    public func response(id: String, owner: String) async throws(AccountsError) -> StoredResponse? {
        guard let response = responses[id], response.owner == owner else { return nil }
        return response
    }

    public func deleteResponse(id: String, owner: String) async throws(AccountsError) -> Bool {
        guard responses[id]?.owner == owner else { return false }
        responses[id] = nil
        return true
    }

    public func deleteResponses(before cutoff: Date) async throws(AccountsError) -> Int {
        let old = responses.values.filter { $0.created < cutoff }.map(\.id)
        for id in old { responses[id] = nil }
        return old.count
    }
}
