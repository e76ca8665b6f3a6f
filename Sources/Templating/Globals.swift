#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The global functions a chat template can call: jinja2's `range`, `namespace`, `dict`,
/// plus Hugging Face's `raise_exception` and `strftime_now`.
enum Globals {
    static var all: [String: Value] {
        [
            "range": .function(Function("range", range)),
            "namespace": .function(Function("namespace") { positional, keyword, _ throws(TemplateError) in
                let namespace = Namespace()
                for value in positional {
                    guard case .object(let dict) = value else { throw TemplateError(.type, "namespace() takes a mapping") }
                    for (key, item) in dict.pairs { namespace.attributes[key] = item }
                }
                for (key, value) in keyword { namespace.attributes[key] = value }
                return .namespace(namespace)
            }),
            "dict": .function(Function("dict") { positional, keyword, _ throws(TemplateError) in
                var dict = Dict()
                if let first = positional.first {
                    guard case .object(let base) = first else { throw TemplateError(.type, "dict() takes a mapping") }
                    dict = base
                }
                for (key, value) in keyword { dict[key] = value }
                return .object(dict)
            }),
            "raise_exception": .function(Function("raise_exception") { positional, _, _ throws(TemplateError) in
                throw TemplateError(.raised, positional.first?.pythonString() ?? "")
            }),
            "strftime_now": .function(Function("strftime_now") { positional, _, _ throws(TemplateError) in
                guard case .string(let format)? = positional.first else { throw TemplateError(.type, "strftime_now() needs a format string") }
                return .string(try strftimeNow(format))
            }),
        ]
    }

    static func range(_ positional: [Value], _ keyword: [(String, Value)], _ interpreter: inout Interpreter) throws(TemplateError) -> Value {
        var bounds: [Int] = []
        for value in positional {
            guard case .int(let i)? = value.numeric else {
                throw TemplateError(.type, "'\(value.typeName)' object cannot be interpreted as an integer")
            }
            bounds.append(i)
        }
        let (start, stop, step): (Int, Int, Int)
        switch bounds.count {
        case 1: (start, stop, step) = (0, bounds[0], 1)
        case 2: (start, stop, step) = (bounds[0], bounds[1], 1)
        case 3: (start, stop, step) = (bounds[0], bounds[1], bounds[2])
        default: throw TemplateError(.type, "range expected 1 to 3 arguments, got \(bounds.count)")
        }
        guard step != 0 else { throw TemplateError(.type, "range() arg 3 must not be zero") }
        let span = step > 0 ? Double(stop) - Double(start) : Double(start) - Double(stop)
        let count = max(0, Int((span / Double(abs(step))).rounded(.up)))
        guard Double(count) <= Double(Interpreter.maxRange) else {
            throw TemplateError(.limit, "Range too big. The sandbox blocks ranges larger than MAX_RANGE (\(Interpreter.maxRange)).")
        }
        return .array((0..<count).map { .int(start + $0 * step) })
    }

    /// `datetime.now().strftime(format)` through the C library, in local time.
    static func strftimeNow(_ format: String) throws(TemplateError) -> String {
        var now = time(nil)
        var parts = tm()
        guard localtime_r(&now, &parts) != nil else { throw TemplateError(.type, "cannot read the local time") }
        var buffer = [CChar](repeating: 0, count: 512)
        let count = strftime(&buffer, buffer.count, format, &parts)
        if count == 0 && !format.isEmpty { throw TemplateError(.type, "strftime format produced no output or is too long") }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension Value {
    var isBool: Bool { if case .bool = self { true } else { false } }
}
