/// A runtime value inside the interpreter: the data of `TemplateValue` plus what only
/// exists while rendering (namespaces, macros, built-in functions and bound methods).
enum Value {
    case undefined(String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([Value])
    /// A Python tuple: prints as `(a, b)`, never equal to a list.
    case tuple([Value])
    /// A one-shot Python iterator (what `map`, `select`, `items`… return): iterable and
    /// always true, but without a length, index or JSON form. `kind` is its Python type.
    case iterator([Value], kind: String)
    case object(Dict)
    case namespace(Namespace)
    case function(Function)

    static var missing: Value { .undefined("value is undefined") }

    init(_ value: TemplateValue) {
        switch value {
        case .undefined: self = .missing
        case .none: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let items): self = .array(items.map(Value.init))
        case .object(let object):
            var dict = Dict()
            for entry in object.entries { dict[entry.key] = Value(entry.value) }
            self = .object(dict)
        }
    }

    /// Python's type name, for error messages.
    var typeName: String {
        switch self {
        case .undefined: "Undefined"
        case .none: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "str"
        case .array: "list"
        case .tuple: "tuple"
        case .iterator(_, let kind): kind
        case .object: "dict"
        case .namespace: "Namespace"
        case .function: "function"
        }
    }

    /// The items of a list or tuple.
    var sequenceItems: [Value]? {
        switch self {
        case .array(let items), .tuple(let items): items
        default: nil
        }
    }

    /// The type `reversed()` gives for this value.
    var reverseIteratorKind: String {
        switch self {
        case .object: "dict_reversekeyiterator"
        case .tuple: "reversed"
        default: "list_reverseiterator"
        }
    }

    var isUndefined: Bool { if case .undefined = self { true } else { false } }

    /// Python truthiness.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: false
        case .bool(let b): b
        case .int(let i): i != 0
        case .double(let d): d != 0
        case .string(let s): !s.isEmpty
        case .array(let items), .tuple(let items): !items.isEmpty
        case .object(let dict): !dict.isEmpty
        case .namespace, .function, .iterator: true
        }
    }

    /// The value as a number for arithmetic (bools count as 0 and 1, as in Python).
    var numeric: Numeric? {
        switch self {
        case .bool(let b): .int(b ? 1 : 0)
        case .int(let i): .int(i)
        case .double(let d): .double(d)
        default: nil
        }
    }

    enum Numeric {
        case int(Int)
        case double(Double)
        var asDouble: Double {
            switch self {
            case .int(let i): Double(i)
            case .double(let d): d
            }
        }
    }
}

/// An insertion-ordered dictionary with string keys, like a Python dict of a JSON object.
struct Dict {
    private(set) var keys: [String] = []
    private var storage: [String: Value] = [:]

    var count: Int { keys.count }
    var isEmpty: Bool { keys.isEmpty }

    subscript(key: String) -> Value? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    var values: [Value] { keys.map { storage[$0] ?? .none } }

    /// Integer keys (from literals like `{0: 'a'}`) are stored under an encoded string that
    /// JSON data cannot produce; these give each key back as the value it was.
    static let integerKeyPrefix = "\u{0}int:"

    static func storageKey(_ key: Value) -> String? {
        switch key {
        case .string(let s): return s
        case .int(let i): return integerKeyPrefix + String(i)
        case .bool(let b): return integerKeyPrefix + (b ? "1" : "0")
        default: return nil
        }
    }

    static func keyValue(_ key: String) -> Value {
        if key.hasPrefix(integerKeyPrefix), let i = Int(key.dropFirst(integerKeyPrefix.count)) { return .int(i) }
        return .string(key)
    }

    /// The keys as the values they were created from.
    var keyValues: [Value] { keys.map(Dict.keyValue) }
    /// (key, value) pairs as Python tuples, for `items()`.
    var itemTuples: [Value] { keys.map { .tuple([Dict.keyValue($0), storage[$0] ?? .none]) } }
    var pairs: [(String, Value)] { keys.map { ($0, storage[$0] ?? .none) } }
}

/// The mutable object `namespace()` returns; `{% set ns.attr = … %}` writes through it
/// from any scope, which is why it is a reference.
final class Namespace {
    var attributes = Dict()
}

/// A callable: a built-in global, a bound method of a value, or a macro.
final class Function {
    typealias Body = (_ positional: [Value], _ keyword: [(String, Value)], _ interpreter: inout Interpreter) throws(TemplateError) -> Value
    let name: String
    let body: Body

    init(_ name: String, _ body: @escaping Body) {
        self.name = name
        self.body = body
    }
}
