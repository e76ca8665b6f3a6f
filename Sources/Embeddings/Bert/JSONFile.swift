import Foundation

/// Reads a small JSON object file of a model folder, with errors naming the file.
enum JSONFile {
    static func object(_ url: URL) throws(EmbeddingsError) -> [String: Any] {
        do {
            guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
                throw EmbeddingsError.badConfiguration(file: url.path, reason: "not a JSON object")
            }
            return object
        } catch let error as EmbeddingsError {
            throw error
        } catch {
            throw .badConfiguration(file: url.path, reason: "cannot be read as JSON (\(error.localizedDescription))")
        }
    }

    /// An array-of-objects file (sentence-transformers' modules.json).
    static func array(_ url: URL) throws(EmbeddingsError) -> [[String: Any]] {
        do {
            guard let array = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[String: Any]] else {
                throw EmbeddingsError.badConfiguration(file: url.path, reason: "not a JSON array of objects")
            }
            return array
        } catch let error as EmbeddingsError {
            throw error
        } catch {
            throw .badConfiguration(file: url.path, reason: "cannot be read as JSON (\(error.localizedDescription))")
        }
    }

    static func int(_ object: [String: Any], _ key: String, file: URL) throws(EmbeddingsError) -> Int {
        guard let value = (object[key] as? NSNumber)?.intValue, value > 0 else {
            throw .badConfiguration(file: file.path, reason: "'\(key)' is missing or not a positive integer")
        }
        return value
    }
}
