import Foundation
import OpenAIWire

/// The state of one compilation: the grammar under construction, the documents that
/// `$ref`s resolve against, and the rules already made for references.
struct SchemaCompilation {
    typealias Fragment = GrammarBuilder.Fragment

    var parts = JSONGrammarParts()
    var strict: Bool
    private var documents: [JSONValue] = []

    func documentValue(_ index: Int) -> JSONValue { documents[index] }
    private var referenceRules: [String: Int] = [:]

    static let annotations: Set<String> = [
        "title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated",
        "readOnly", "writeOnly", "$defs", "definitions", "$anchor",
    ]
    static let supported: Set<String> = [
        "type", "properties", "required", "additionalProperties", "enum", "const", "items",
        "prefixItems", "minItems", "maxItems", "anyOf", "oneOf", "allOf", "$ref", "nullable",
        "minLength", "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum",
    ]
    static let objectKeywords: Set<String> = ["properties", "required", "additionalProperties"]
    static let arrayKeywords: Set<String> = ["items", "prefixItems", "minItems", "maxItems"]
    static let stringKeywords: Set<String> = ["minLength", "maxLength", "pattern", "format"]
    static let numberKeywords: Set<String> = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]

    init(strict: Bool) {
        self.strict = strict
    }

    /// Registers a root document for `$ref` resolution; returns its index.
    mutating func addDocument(_ schema: JSONValue) -> Int {
        documents.append(schema)
        return documents.count - 1
    }

    /// The fragment matching exactly the JSON texts valid against `schema`.
    mutating func fragment(for schema: JSONValue, document: Int, path: String) throws(SchemaError) -> Fragment {
        let object: JSONObject
        switch schema {
        case .bool(true): return parts.valueCall()
        case .bool(false): throw SchemaError("the schema at \(path) is 'false' and accepts no value")
        case .object(let value): object = value
        default: throw SchemaError("invalid JSON Schema at \(path): expected an object or a boolean")
        }
        for key in object.keys where !Self.supported.contains(key) && !Self.annotations.contains(key) {
            if strict { throw SchemaError.unsupported(key, at: path) }
        }
        if let reference = object["$ref"] {
            if strict, let sibling = object.keys.first(where: { $0 != "$ref" && Self.supported.contains($0) }) {
                throw SchemaError("unsupported JSON Schema keyword '\(sibling)' beside '$ref' at \(path)", keyword: sibling)
            }
            guard let text = reference.stringValue else { throw SchemaError.invalid("$ref", at: path, "expected a string") }
            return parts.builder.call(try rule(forReference: text, document: document, path: path))
        }
        if let allOf = object["allOf"] {
            let merged = try mergeAllOf(object, allOf, document: document, path: path)
            return try fragment(for: .object(merged), document: document, path: path)
        }
        let nullable = object["nullable"]?.boolValue == true
        for key in ["anyOf", "oneOf"] {
            guard let branches = object[key] else { continue }
            if strict, key == "oneOf", object["anyOf"] != nil {
                throw SchemaError("unsupported JSON Schema keyword 'oneOf' beside 'anyOf' at \(path)", keyword: "oneOf")
            }
            guard let list = branches.arrayValue, !list.isEmpty else {
                throw SchemaError.invalid(key, at: path, "expected a non-empty array")
            }
            var siblings = object
            for name in object.keys where Self.annotations.contains(name) || name == key || name == "nullable" {
                siblings[name] = .none
            }
            var fragments: [Fragment] = []
            for (index, branch) in list.enumerated() {
                let branchPath = "\(path)/\(key)/\(index)"
                var combined = branch
                if !siblings.isEmpty {
                    combined = .object(try merged(siblings, with: branch, document: document, path: branchPath, keyword: key))
                }
                fragments.append(try fragment(for: combined, document: document, path: branchPath))
            }
            if nullable { fragments.append(parts.builder.literal("null")) }
            return parts.builder.choice(fragments)
        }
        let types = try self.types(of: object, path: path)
        if let values = object["enum"] {
            guard let list = values.arrayValue else { throw SchemaError.invalid("enum", at: path, "expected an array") }
            var fragments: [Fragment] = []
            for value in list where types.map({ Self.value(value, hasOneOf: $0) }) ?? true {
                fragments.append(parts.builder.literal(value.jsonString))
            }
            if nullable, !list.contains(.null) { fragments.append(parts.builder.literal("null")) }
            if fragments.isEmpty { throw SchemaError.invalid("enum", at: path, "no value matches the schema's type") }
            return parts.builder.choice(fragments)
        }
        if let value = object["const"] {
            if let types, !Self.value(value, hasOneOf: types) {
                throw SchemaError.invalid("const", at: path, "the value does not match the schema's type")
            }
            return parts.builder.literal(value.jsonString)
        }
        var allowed = types ?? inferredTypes(of: object)
        if nullable, !allowed.contains("null") { allowed.append("null") }
        if allowed.isEmpty { return parts.valueCall() }
        var fragments: [Fragment] = []
        for type in allowed {
            fragments.append(try fragment(forType: type, object, document: document, path: path))
        }
        return parts.builder.choice(fragments)
    }

    /// The `type` keyword as a list, or nil when absent.
    private func types(of object: JSONObject, path: String) throws(SchemaError) -> [String]? {
        guard let type = object["type"] else { return nil }
        if let name = type.stringValue { return [name] }
        guard let list = type.arrayValue, !list.isEmpty else {
            throw SchemaError.invalid("type", at: path, "expected a string or a non-empty array of strings")
        }
        var names: [String] = []
        for item in list {
            guard let name = item.stringValue else { throw SchemaError.invalid("type", at: path, "expected strings") }
            if !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// Types implied by the keywords present when `type` is absent (empty: any value).
    private func inferredTypes(of object: JSONObject) -> [String] {
        var result: [String] = []
        let keys = Set(object.keys)
        if !keys.isDisjoint(with: Self.objectKeywords) { result.append("object") }
        if !keys.isDisjoint(with: Self.arrayKeywords) { result.append("array") }
        if !keys.isDisjoint(with: Self.stringKeywords) { result.append("string") }
        if !keys.isDisjoint(with: Self.numberKeywords) { result.append("number") }
        return result
    }

    static func value(_ value: JSONValue, hasOneOf types: [String]) -> Bool {
        types.contains { type in
            switch (type, value) {
            case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array),
                 ("object", .object), ("integer", .int), ("number", .int), ("number", .double):
                return true
            case ("integer", .double(let number)):
                return number.rounded() == number
            default:
                return false
            }
        }
    }

    private mutating func fragment(
        forType type: String, _ object: JSONObject, document: Int, path: String
    ) throws(SchemaError) -> Fragment {
        switch type {
        case "null": return parts.builder.literal("null")
        case "boolean": return parts.builder.choice([parts.builder.literal("true"), parts.builder.literal("false")])
        case "string": return try stringFragment(object, path: path)
        case "integer": return try integerFragment(object, path: path)
        case "number": return try numberFragment(object, path: path)
        case "object": return try objectFragment(object, document: document, path: path)
        case "array": return try arrayFragment(object, document: document, path: path)
        default: throw SchemaError.invalid("type", at: path, "unknown type '\(type)'")
        }
    }

    /// A rule for the schema that `reference` points to (made once per reference).
    mutating func rule(forReference reference: String, document: Int, path: String) throws(SchemaError) -> Int {
        let key = "\(document):\(reference)"
        if let rule = referenceRules[key] { return rule }
        guard reference.hasPrefix("#") else {
            throw SchemaError("unsupported JSON Schema keyword '$ref' at \(path): only local references ('#...') are supported", keyword: "$ref")
        }
        guard let target = Self.resolve(pointer: String(reference.dropFirst()), in: documents[document]) else {
            throw SchemaError.invalid("$ref", at: path, "cannot resolve '\(reference)'")
        }
        let rule = parts.builder.newRule(name: reference)
        referenceRules[key] = rule
        let body = try fragment(for: target, document: document, path: reference)
        parts.builder.define(rule: rule, body: body)
        return rule
    }

    /// A rule wrapping the fragment for `schema` (used where a schema repeats, e.g. items).
    mutating func rule(for schema: JSONValue, document: Int, path: String) throws(SchemaError) -> Int {
        let rule = parts.builder.newRule(name: path)
        let body = try fragment(for: schema, document: document, path: path)
        parts.builder.define(rule: rule, body: body)
        return rule
    }

    /// Resolves a JSON Pointer (`/$defs/Node`, or empty for the root).
    static func resolve(pointer: String, in document: JSONValue) -> JSONValue? {
        if pointer.isEmpty { return document }
        guard pointer.hasPrefix("/") else { return nil }
        var current = document
        for token in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let name = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch current {
            case .object(let object):
                guard let next = object[name] else { return nil }
                current = next
            case .array(let array):
                guard let index = Int(name), array.indices.contains(index) else { return nil }
                current = array[index]
            default:
                return nil
            }
        }
        return current
    }
}
