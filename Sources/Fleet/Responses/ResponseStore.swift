public import Foundation

/// Where stored responses live. Asynchronous, so an engine that blocks (SQLite) runs off the
/// event loops and a networked one (PostgreSQL) fits the same shape. Every read and delete
/// takes the owner: a response is invisible to every other caller.
public protocol ResponseStore: Sendable {
    /// Saves `response`, committed when this returns (replacing one with the same id).
    func save(_ response: StoredResponse) async throws(AccountsError)
    /// The response `id` if `owner` created it.
    func response(id: String, owner: String) async throws(AccountsError) -> StoredResponse?
    /// Deletes the response `id` if `owner` created it; whether one went.
    func deleteResponse(id: String, owner: String) async throws(AccountsError) -> Bool
    /// Deletes the responses created before `cutoff` (the retention window); how many went.
    func deleteResponses(before cutoff: Date) async throws(AccountsError) -> Int
}

extension ResponseStore {
    /// The conversation ending at `id`, oldest response first, following `previous_response_id`.
    /// `nil` when `id` is unknown to `owner`; a chain whose older part was deleted or pruned ends there.
    ///
    /// - Parameter limit: the most responses followed (guards against a cycle in a damaged store).
    public func chain(endingAt id: String, owner: String, limit: Int = 1000) async throws(AccountsError) -> [StoredResponse]? {
        guard let last = try await response(id: id, owner: owner) else { return nil }
        var chain = [last]
        var seen: Set<String> = [last.id]
        while chain.count < limit, let previous = chain[chain.count - 1].previousResponseID, !seen.contains(previous),
            let response = try await response(id: previous, owner: owner)
        {
            chain.append(response)
            seen.insert(previous)
        }
        return chain.reversed()
    }
}
