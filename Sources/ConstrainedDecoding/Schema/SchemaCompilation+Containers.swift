import OpenAIWire

extension SchemaCompilation {
    /// Objects: listed properties in schema order, each optional one may be left out;
    /// extra properties only when `additionalProperties` is `true` or a schema, with keys
    /// that differ from the listed names.
    mutating func objectFragment(_ object: JSONObject, document: Int, path: String) throws(SchemaError) -> Fragment {
        var properties: [(name: String, schema: JSONValue)] = []
        if let value = object["properties"] {
            guard let listed = value.objectValue else { throw SchemaError.invalid("properties", at: path, "expected an object") }
            properties = listed.entries.map { ($0.key, $0.value) }
        }
        var required: [String] = []
        if let value = object["required"] {
            guard let list = value.arrayValue else { throw SchemaError.invalid("required", at: path, "expected an array") }
            for item in list {
                guard let name = item.stringValue else { throw SchemaError.invalid("required", at: path, "expected strings") }
                required.append(name)
            }
        }
        // A bare object schema (no properties, no additionalProperties) allows any members.
        var additional: JSONValue? = object["additionalProperties"]
        if additional == .none, properties.isEmpty { additional = .bool(true) }
        let allowsAdditional = additional != .none && additional != .some(.bool(false))
        for name in required where !properties.contains(where: { $0.name == name }) {
            guard allowsAdditional, let additional else {
                throw SchemaError.invalid("required", at: path, "'\(name)' is required but not allowed by 'properties'")
            }
            properties.append((name, additional))
        }
        // states[i][first]: before property i; `first` while nothing has been written yet.
        var states: [[Int]] = []
        for _ in 0...properties.count {
            states.append([parts.builder.newState(), parts.builder.newState()])
        }
        let open = parts.builder.literal("{")
        parts.builder.epsilon(from: open.end, to: states[0][1])
        for (index, property) in properties.enumerated() {
            var key = ""
            JSONValue.writeString(property.name, to: &key)
            let propertyPath = "\(path)/properties/\(SchemaCompilation.escapePointer(property.name))"
            let value = try fragment(for: property.schema, document: document, path: propertyPath)
            let member = parts.builder.sequence([parts.builder.literal(key), parts.colon(), value])
            parts.builder.epsilon(from: states[index][1], to: member.start)
            let comma = parts.comma()
            parts.builder.epsilon(from: states[index][0], to: comma.start)
            parts.builder.epsilon(from: comma.end, to: member.start)
            parts.builder.epsilon(from: member.end, to: states[index + 1][0])
            if !required.contains(property.name) {
                parts.builder.epsilon(from: states[index][0], to: states[index + 1][0])
                parts.builder.epsilon(from: states[index][1], to: states[index + 1][1])
            }
        }
        let close = parts.builder.literal("}")
        let last = states[properties.count]
        if let additional, allowsAdditional {
            let valueRule = try rule(for: additional, document: document, path: "\(path)/additionalProperties")
            // Extra keys must differ from the listed ones (a repeated key would be ambiguous).
            let listedNames = properties.map(\.name)
            let keyRule = parts.builder.newRule(name: "\(path)/additionalProperties/key")
            var keyBody: Fragment
            if listedNames.isEmpty {
                keyBody = parts.stringCall()
            } else if let excluding = parts.string(excluding: listedNames) {
                keyBody = excluding
            } else {
                if strict {
                    throw SchemaError("unsupported JSON Schema keyword 'additionalProperties' at \(path): listed property names must be printable ASCII when extra properties are allowed", keyword: "additionalProperties")
                }
                keyBody = parts.stringCall()
            }
            parts.builder.define(rule: keyRule, body: keyBody)
            // Extra members: `first` decides whether a comma comes before the first one.
            let loop = parts.builder.newState()
            let firstMember = parts.builder.sequence([parts.builder.call(keyRule), parts.colon(), parts.builder.call(valueRule)])
            parts.builder.epsilon(from: last[1], to: firstMember.start)
            parts.builder.epsilon(from: firstMember.end, to: loop)
            let laterMember = parts.builder.sequence([parts.comma(), parts.builder.call(keyRule), parts.colon(), parts.builder.call(valueRule)])
            parts.builder.epsilon(from: last[0], to: laterMember.start)
            parts.builder.epsilon(from: loop, to: laterMember.start)
            parts.builder.epsilon(from: laterMember.end, to: loop)
            parts.builder.epsilon(from: loop, to: close.start)
        }
        parts.builder.epsilon(from: last[0], to: close.start)
        parts.builder.epsilon(from: last[1], to: close.start)
        return GrammarBuilder.Fragment(start: open.start, end: close.end)
    }

    /// Arrays: `prefixItems` in order, then `items`, within `minItems`/`maxItems`. Element
    /// schemas are rules, so that long arrays do not copy them.
    mutating func arrayFragment(_ object: JSONObject, document: Int, path: String) throws(SchemaError) -> Fragment {
        var prefix: [JSONValue] = []
        var items: JSONValue? = object["items"]
        if let value = object["prefixItems"] {
            guard let list = value.arrayValue else { throw SchemaError.invalid("prefixItems", at: path, "expected an array") }
            prefix = list
        } else if let list = items?.arrayValue {
            prefix = list  // draft 4 tuple form
            items = object["additionalItems"]
        }
        let minItems = try integerValue(object, "minItems", path: path) ?? 0
        let maxItems = try integerValue(object, "maxItems", path: path)
        if let maxItems, maxItems < minItems { throw SchemaError.invalid("maxItems", at: path, "below minItems") }
        // Without `items`, a tuple gets no extra elements unless minItems needs them.
        var extraSchema: JSONValue? = items
        var fillerSchema: JSONValue? = items
        if items == .some(.bool(false)) {
            extraSchema = .none
            fillerSchema = .none
        } else if items == .none {
            extraSchema = prefix.isEmpty ? .bool(true) : .none
            fillerSchema = .bool(true)
        }
        if minItems > prefix.count, fillerSchema == .none {
            throw SchemaError.invalid("minItems", at: path, "more items required than 'items' allows")
        }
        let fixedCount = max(prefix.count, minItems)
        let unrolled = min(maxItems ?? fixedCount, max(fixedCount, extraSchema == .none ? prefix.count : (maxItems ?? fixedCount)))
        if unrolled > RegexPattern.maximumRepetition {
            throw SchemaError("unsupported JSON Schema keyword 'maxItems' at \(path): more than \(RegexPattern.maximumRepetition) items", keyword: "maxItems")
        }
        var prefixRules: [Int] = []
        for (index, schema) in prefix.enumerated() where index < unrolled {
            prefixRules.append(try rule(for: schema, document: document, path: "\(path)/prefixItems/\(index)"))
        }
        var itemRule: Int?
        if let schema = (unrolled > prefix.count || (maxItems == nil && extraSchema != .none)) ? (extraSchema ?? fillerSchema) : nil {
            itemRule = try rule(for: schema, document: document, path: "\(path)/items")
        }
        let open = parts.builder.literal("[")
        let close = parts.builder.literal("]")
        var position = open.end
        for index in 0..<unrolled {
            guard let rule = index < prefixRules.count ? prefixRules[index] : itemRule else { break }
            if index >= minItems { parts.builder.epsilon(from: position, to: close.start) }
            let element = index == 0 ? parts.builder.call(rule) : parts.builder.sequence([parts.comma(), parts.builder.call(rule)])
            parts.builder.epsilon(from: position, to: element.start)
            position = element.end
        }
        parts.builder.epsilon(from: position, to: close.start)
        if maxItems == nil, let itemRule, extraSchema != .none {
            let element = unrolled == 0
                ? parts.builder.call(itemRule)
                : parts.builder.sequence([parts.comma(), parts.builder.call(itemRule)])
            parts.builder.epsilon(from: position, to: element.start)
            let loop = parts.builder.newState()
            parts.builder.epsilon(from: element.end, to: loop)
            let more = parts.builder.sequence([parts.comma(), parts.builder.call(itemRule)])
            parts.builder.epsilon(from: loop, to: more.start)
            parts.builder.epsilon(from: more.end, to: loop)
            parts.builder.epsilon(from: loop, to: close.start)
        }
        return GrammarBuilder.Fragment(start: open.start, end: close.end)
    }

    static func escapePointer(_ name: String) -> String {
        name.replacing("~", with: "~0").replacing("/", with: "~1")
    }
}
