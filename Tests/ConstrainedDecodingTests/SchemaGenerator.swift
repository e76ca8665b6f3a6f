import OpenAIWire
import TestSupport

/// Generates JSON Schemas from a seed, covering the keywords the compiler supports.
struct SchemaGenerator {
    var random: SplitMix64

    static let names = ["id", "name", "count", "tags", "value", "note", "kind", "score", "when", "ok", "items", "owner"]
    static let patterns = [
        "^[a-z]{3,8}$", "^[A-Z][a-z]+ [A-Z][a-z]+$", "^\\d{3}-\\d{4}$", "^(red|green|blue)$",
        "^[a-f0-9]{6}$", "ab+c", "^[^\\s\"]{2,5}$", "^(?:x|yz)*!$", "^v\\d+(\\.\\d+){0,2}$",
    ]
    static let formats = ["date", "date-time", "uuid", "email"]

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &random) < probability }

    /// A root schema: usually an object, as structured-output requests are.
    mutating func root(index: Int) -> JSONValue {
        if index % 6 == 5 { return recursiveTree() }
        return chance(0.85) ? object(depth: 0) : schema(depth: 0)
    }

    mutating func schema(depth: Int) -> JSONValue {
        let choice = int(0...(depth >= 2 ? 9 : 14))
        switch choice {
        case 0: return string()
        case 1: return string()
        case 2: return integer()
        case 3: return number()
        case 4: return ["type": "boolean"]
        case 5: return ["type": ["string", "null"], "maxLength": .int(int(1...6))]
        case 6: return ["enum": ["alpha", "beta", 7, .null, ["nested": true]]]
        case 7: return ["const": .string("fixed-\(int(0...9))")]
        case 8: return ["type": "integer", "nullable": true, "minimum": 0, "maximum": 9]  // the judge reads nullable as OpenAPI does
        case 9: return ["type": "null"]
        case 10, 11: return object(depth: depth + 1)
        case 12: return array(depth: depth + 1)
        case 13:
            // Disjoint branches, so that oneOf (compiled as anyOf) is exact.
            let key = chance(0.5) ? "anyOf" : "oneOf"
            return .object(JSONObject([JSONObject.Entry(key: key, value: [integer(), string(), ["type": "null"]])]))
        default:
            return ["allOf": [
                ["type": "object", "properties": ["a": integer()], "required": ["a"]],
                ["properties": ["b": string()]],
            ]]
        }
    }

    mutating func string() -> JSONValue {
        switch int(0...4) {
        case 0: return ["type": "string"]
        case 1:
            let low = int(0...3)
            return ["type": "string", "minLength": .int(low), "maxLength": .int(low + int(0...8))]
        case 2: return ["type": "string", "pattern": .string(SchemaGenerator.patterns[int(0...(SchemaGenerator.patterns.count - 1))])]
        case 3: return ["type": "string", "format": .string(SchemaGenerator.formats[int(0...3)])]
        default: return ["type": "string", "enum": ["a", "b c", "d\"e", "ü"]]
        }
    }

    mutating func integer() -> JSONValue {
        var object = JSONObject([JSONObject.Entry(key: "type", value: "integer")])
        if chance(0.6) { object["minimum"] = .int(int(-500...50)) }
        if chance(0.6) { object["maximum"] = .int(int(60...100_000)) }
        if chance(0.2) { object["exclusiveMaximum"] = .int(int(61...200)) }
        return .object(object)
    }

    mutating func number() -> JSONValue {
        var object = JSONObject([JSONObject.Entry(key: "type", value: "number")])
        if chance(0.5) { object["minimum"] = .double(Double(int(-300...0)) / 4) }
        if chance(0.5) { object[chance(0.5) ? "maximum" : "exclusiveMaximum"] = .double(Double(int(4...4000)) / 4) }
        return .object(object)
    }

    mutating func object(depth: Int) -> JSONValue {
        let count = int(depth == 0 ? 1...5 : 0...3)
        var properties = JSONObject()
        var required: [JSONValue] = []
        var pool = SchemaGenerator.names
        for _ in 0..<count {
            let name = pool.remove(at: int(0...(pool.count - 1)))
            properties[name] = schema(depth: depth + 1)
            if chance(0.6) { required.append(.string(name)) }
        }
        var object: JSONObject = ["type": "object", "properties": .object(properties), "required": .array(required)]
        if count == 0 && chance(0.5) {
            object = ["type": "object", "additionalProperties": integer()]
        } else if chance(0.2) {
            object["additionalProperties"] = chance(0.5) ? true : ["type": "boolean"]
        } else {
            object["additionalProperties"] = false
        }
        return .object(object)
    }

    mutating func array(depth: Int) -> JSONValue {
        if chance(0.3) {
            return ["type": "array", "prefixItems": [string(), integer()], "items": false, "minItems": .int(int(0...2))]
        }
        let low = int(0...2)
        var object: JSONObject = ["type": "array", "items": schema(depth: depth + 1), "minItems": .int(low)]
        if chance(0.7) { object["maxItems"] = .int(low + int(0...4)) }
        return .object(object)
    }

    /// A recursive tree through `$defs`/`$ref`.
    func recursiveTree() -> JSONValue {
        [
            "$defs": [
                "node": [
                    "type": "object",
                    "properties": [
                        "label": ["type": "string", "maxLength": 8],
                        "children": ["type": "array", "items": ["$ref": "#/$defs/node"], "maxItems": 3],
                    ],
                    "required": ["label", "children"],
                    "additionalProperties": false,
                ],
            ],
            "$ref": "#/$defs/node",
        ]
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { JSONObject.Entry(key: $0.0, value: $0.1) })
    }
}
