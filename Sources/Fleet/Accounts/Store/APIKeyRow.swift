import Foundation

/// An `api_key` row as both engines read it: the allowed models are a JSON array in a text
/// column, times are milliseconds since 1970.
struct APIKeyRow {
    var id: String
    var name: String
    var prefix: String
    var allowedModelsJSON: String?
    var requestsPerMinute: Int?
    var tokensPerMinute: Int?
    var isAdmin: Bool
    var createdMilliseconds: Int64
    var revokedMilliseconds: Int64?

    func key() throws(AccountsError) -> APIKey {
        var models: [String]?
        if let allowedModelsJSON {
            do {
                models = try JSONDecoder().decode([String].self, from: Data(allowedModelsJSON.utf8))
            } catch {
                throw AccountsError(.database, "key \(id) has an unreadable model list: \(error)")
            }
        }
        return APIKey(
            id: id, name: name, prefix: prefix, allowedModels: models, requestsPerMinute: requestsPerMinute,
            tokensPerMinute: tokensPerMinute, isAdmin: isAdmin, createdAt: Date(millisecondsSince1970: createdMilliseconds),
            revokedAt: revokedMilliseconds.map(Date.init(millisecondsSince1970:)))
    }

    static func encode(_ models: [String]) throws(AccountsError) -> String {
        do {
            return String(decoding: try JSONEncoder().encode(models), as: UTF8.self)
        } catch {
            throw AccountsError(.invalidArgument, "cannot encode the model list: \(error)")
        }
    }
}

extension AccountsError {
    static func duplicateName(_ name: String) -> AccountsError {
        AccountsError(.duplicateName, "an active key is already named '\(name)'; revoke it first or choose another name")
    }
}
