/// A value handed to a template: the JSON-like data of a chat request.
///
/// `undefined` behaves like jinja2's default `Undefined`: it prints as nothing, is false,
/// fails `is defined`, and is an error where used strictly (its attributes, arithmetic).
/// `int` and `double` stay apart because Python prints them differently (`1` and `1.0`).
public enum TemplateValue: Sendable, Equatable {
    case undefined
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([TemplateValue])
    case object(TemplateObject)
}

/// A mapping from strings to values that keeps keys in insertion order, as Python dicts do.
public struct TemplateObject: Sendable, Equatable, Sequence {
    /// One key/value pair.
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: TemplateValue
        public init(key: String, value: TemplateValue) {
            self.key = key
            self.value = value
        }
    }

    /// The pairs in insertion order.
    public private(set) var entries: [Entry]

    public init(_ entries: [Entry] = []) {
        self.entries = []
        for entry in entries { self[entry.key] = entry.value }
    }

    public init(_ pairs: KeyValuePairs<String, TemplateValue>) {
        self.init(pairs.map { Entry(key: $0.key, value: $0.value) })
    }

    public var keys: [String] { entries.map(\.key) }
    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// The value for `key`; setting `nil` removes it, setting a new key appends it.
    public subscript(key: String) -> TemplateValue? {
        get { entries.first { $0.key == key }?.value }
        set {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                entries.append(Entry(key: key, value: newValue))
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[Entry]> { entries.makeIterator() }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: TemplateValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self = .object(TemplateObject(elements.map { TemplateObject.Entry(key: $0.0, value: $0.1) }))
    }
    public init(nilLiteral: ()) { self = .none }
}
