import Foundation

/// Encodes reports as pretty, key-sorted, snake_case JSON so that output is stable for diffing.
public enum JSONReport {
    /// The JSON text of `value`.
    public static func encode(_ value: some Encodable) throws(CutoverError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw CutoverError(.output, "could not encode the report as JSON: \(error)")
        }
    }
}
