import OpenAIWire

/// Compiles JSON Schemas (the subset structured-output APIs use) into grammars whose
/// sentences are exactly JSON documents valid against the schema (restricted where noted).
///
/// Supported: `type` (and unions), `properties` (written in schema order; optional ones may
/// be left out), `required`, `additionalProperties`, `enum`, `const`, `items`,
/// `prefixItems`, `minItems`/`maxItems`, `anyOf`, `oneOf` (as `anyOf`: exact when the
/// branches are disjoint), `allOf` (merged when the parts do not conflict), `$ref` with
/// `$defs`/`definitions` (recursion included), `nullable`, `minLength`/`maxLength`,
/// `pattern`, `format` (date, time, date-time, uuid, email), `minimum`/`maximum`/
/// `exclusiveMinimum`/`exclusiveMaximum`. Annotations (`title`, `description`, ...) are
/// ignored. Restrictions that keep output valid but narrower: no extra properties unless
/// `additionalProperties` is `true` or a schema; no unlisted array items beyond
/// `prefixItems` unless `items` says so; numbers have at most 16 integer and fraction digits.
public enum JSONSchemaCompiler {
    /// Compiles `schema`. With `strict`, an unsupported keyword throws a `SchemaError`
    /// naming it; otherwise such keywords are ignored.
    public static func compile(_ schema: JSONValue, strict: Bool) throws(SchemaError) -> Grammar {
        var compilation = SchemaCompilation(strict: strict)
        let rule = compilation.parts.builder.newRule(name: "root")
        let document = compilation.addDocument(schema)
        let body = try compilation.fragment(for: schema, document: document, path: "#")
        compilation.parts.builder.define(rule: rule, body: body)
        return try compilation.parts.builder.build(root: rule)
    }
}
