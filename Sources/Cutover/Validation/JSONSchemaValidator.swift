import Foundation
import OpenAIWire

/// Checks a JSON value against the subset of JSON Schema that structured outputs use:
/// `type` (one or a list), `properties`, `required`, `additionalProperties: false`, `items`,
/// `enum`, `const`, `minimum`/`maximum`, `minLength`/`maxLength`, `minItems`/`maxItems`,
/// `pattern`, `anyOf`. Unknown keywords are ignored, as validators conventionally do.
public enum JSONSchemaValidator {
    /// The ways `value` violates `schema`, as "path: problem"; empty when valid.
    public static func violations(of value: JSONValue, against schema: JSONValue, path: String = "$") -> [String] {
        guard schema.objectValue != nil else { return [] }
        var problems: [String] = []
        if let types = typeList(schema["type"]), !types.contains(where: { matches(value, type: $0) }) {
            return ["\(path): expected \(types.joined(separator: " or ")), got \(value.typeName)"]
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(where: { same($0, value) }) {
            problems.append("\(path): \(value.jsonString) is not one of \(JSONValue.array(options).jsonString)")
        }
        if let constant = schema["const"], !same(constant, value) {
            problems.append("\(path): expected \(constant.jsonString)")
        }
        if let choices = schema["anyOf"]?.arrayValue,
            !choices.contains(where: { violations(of: value, against: $0, path: path).isEmpty })
        {
            problems.append("\(path): matches none of anyOf")
        }
        switch value {
        case .object(let object):
            let properties = schema["properties"]?.objectValue ?? JSONObject()
            for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
                problems.append("\(path): missing required property '\(name)'")
            }
            for entry in object.entries {
                if let propertySchema = properties[entry.key] {
                    problems += violations(of: entry.value, against: propertySchema, path: "\(path).\(entry.key)")
                } else if schema["additionalProperties"] == .bool(false) {
                    problems.append("\(path): unexpected property '\(entry.key)'")
                } else if let extra = schema["additionalProperties"], extra.objectValue != nil {
                    problems += violations(of: entry.value, against: extra, path: "\(path).\(entry.key)")
                }
            }
        case .array(let elements):
            if let minimum = schema["minItems"]?.intValue, elements.count < minimum { problems.append("\(path): fewer than \(minimum) items") }
            if let maximum = schema["maxItems"]?.intValue, elements.count > maximum { problems.append("\(path): more than \(maximum) items") }
            if let items = schema["items"] {
                for (index, element) in elements.enumerated() {
                    problems += violations(of: element, against: items, path: "\(path)[\(index)]")
                }
            }
        case .string(let text):
            if let minimum = schema["minLength"]?.intValue, text.count < minimum { problems.append("\(path): shorter than \(minimum)") }
            if let maximum = schema["maxLength"]?.intValue, text.count > maximum { problems.append("\(path): longer than \(maximum)") }
            if let pattern = schema["pattern"]?.stringValue, text.range(of: pattern, options: .regularExpression) == nil {
                problems.append("\(path): does not match /\(pattern)/")
            }
        case .int, .double:
            let number = value.doubleValue ?? 0
            if let minimum = schema["minimum"]?.doubleValue, number < minimum { problems.append("\(path): below \(minimum)") }
            if let maximum = schema["maximum"]?.doubleValue, number > maximum { problems.append("\(path): above \(maximum)") }
        default:
            break
        }
        return problems
    }

    private static func typeList(_ type: JSONValue?) -> [String]? {
        switch type {
        case .string(let name)?: [name]
        case .array(let names)?: names.compactMap(\.stringValue)
        default: nil
        }
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("number", .int), ("number", .double): true
        case ("integer", .double(let number)): number.rounded() == number
        default: value.typeName == type
        }
    }

    /// Equality that treats 1 and 1.0 as the same number.
    private static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = a.doubleValue, let y = b.doubleValue { return x == y }
        return a == b
    }
}
