import OpenAIWire

extension SchemaCompilation {
    /// `allOf`: the parts merged into one schema (properties joined, `required` united);
    /// parts that set the same keyword to different values are not supported.
    func mergeAllOf(
        _ object: JSONObject, _ allOf: JSONValue, document: Int, path: String
    ) throws(SchemaError) -> JSONObject {
        guard let list = allOf.arrayValue, !list.isEmpty else {
            throw SchemaError.invalid("allOf", at: path, "expected a non-empty array")
        }
        var result = object
        result["allOf"] = .none
        // Each part's additionalProperties only sees that part's own properties, so merging
        // would be wrong: such combinations are not supported.
        if strict {
            let parts = [JSONValue.object(object)] + list
            if parts.contains(where: { ($0["additionalProperties"] ?? .bool(true)) != .bool(true) }) {
                throw SchemaError("unsupported JSON Schema keyword 'allOf' at \(path): parts with 'additionalProperties' cannot be merged", keyword: "allOf")
            }
        }
        for (index, part) in list.enumerated() {
            result = try merged(result, with: part, document: document, path: "\(path)/allOf/\(index)", keyword: "allOf")
        }
        return result
    }

    /// `base` with the keywords of `other` added (a `$ref` in `other` is resolved first).
    func merged(
        _ base: JSONObject, with other: JSONValue, document: Int, path: String, keyword: String
    ) throws(SchemaError) -> JSONObject {
        var other = other
        var depth = 0
        while let reference = other["$ref"]?.stringValue {
            depth += 1
            guard depth < 16, reference.hasPrefix("#"),
                  let target = Self.resolve(pointer: String(reference.dropFirst()), in: documentValue(document))
            else { throw SchemaError.invalid("$ref", at: path, "cannot resolve '\(reference)' inside '\(keyword)'") }
            other = target
        }
        switch other {
        case .bool(true): return base
        case .bool(false): throw SchemaError("the schema at \(path) is 'false' and accepts no value")
        case .object(let object):
            var result = base
            for entry in object.entries where !Self.annotations.contains(entry.key) {
                switch entry.key {
                case "properties":
                    guard let properties = entry.value.objectValue else {
                        throw SchemaError.invalid("properties", at: path, "expected an object")
                    }
                    var combined = result["properties"]?.objectValue ?? JSONObject()
                    for property in properties {
                        if let existing = combined[property.key], existing != property.value {
                            throw SchemaError("unsupported JSON Schema keyword '\(keyword)' at \(path): property '\(property.key)' is constrained twice", keyword: keyword)
                        }
                        combined[property.key] = property.value
                    }
                    result["properties"] = .object(combined)
                case "required":
                    var names = result["required"]?.arrayValue ?? []
                    for name in entry.value.arrayValue ?? [] where !names.contains(name) { names.append(name) }
                    result["required"] = .array(names)
                default:
                    if let existing = result[entry.key], existing != entry.value {
                        throw SchemaError("unsupported JSON Schema keyword '\(keyword)' at \(path): conflicting '\(entry.key)'", keyword: keyword)
                    }
                    result[entry.key] = entry.value
                }
            }
            return result
        default:
            throw SchemaError("invalid JSON Schema at \(path): expected an object or a boolean")
        }
    }
}
