import ArgumentParser
import Cutover
import Foundation

/// Where the kit sends requests: one endpoint by `--base-url`, or two by `--a`/`--b` specs.
/// The shared `--model`, `--api-key(-env)` and `--timeout` fill in what a spec leaves out.
struct EndpointOptions: ParsableArguments {
    @Option(name: .long, help: "Base URL as given to the OpenAI SDKs, e.g. http://localhost:8080/v1.")
    var baseURL: String?

    @Option(name: .long, help: "API key (prefer --api-key-env, which keeps it out of shell history).")
    var apiKey: String?

    @Option(name: .long, help: "Name of an environment variable holding the API key.")
    var apiKeyEnv: String?

    @Option(name: .long, help: "Model name to request.")
    var model: String?

    @Option(name: .long, help: "Per-request timeout in seconds.")
    var timeout: Double = 120

    @Option(name: .customLong("a"), help: "Endpoint A (baseline): url=...,model=...,key_env=...|key=...,name=...,timeout=...")
    var endpointA: String?

    @Option(name: .customLong("b"), help: "Endpoint B (candidate), same form as --a.")
    var endpointB: String?

    func validate() throws {
        if timeout <= 0 { throw ValidationError("--timeout must be positive") }
        if (endpointA == nil) != (endpointB == nil) { throw ValidationError("give both --a and --b, or neither") }
        if endpointA == nil && baseURL == nil { throw ValidationError("give --base-url (one endpoint) or --a and --b (two)") }
    }

    /// The shared key, from --api-key or the variable named by --api-key-env.
    func sharedKey() throws(CutoverError) -> String? {
        if let apiKeyEnv {
            guard let value = ProcessInfo.processInfo.environment[apiKeyEnv] else {
                throw CutoverError(.invalidInput, "environment variable \(apiKeyEnv) (--api-key-env) is not set")
            }
            return value
        }
        return apiKey
    }

    /// The endpoints in order: [A, B] when specs are given, else the single --base-url one.
    func endpoints() throws(CutoverError) -> [Endpoint] {
        let environment = ProcessInfo.processInfo.environment
        let key = try sharedKey()
        if let endpointA, let endpointB {
            var a = try Endpoint.parse(spec: endpointA, defaultName: "A", defaultModel: model, defaultTimeout: timeout, environment: environment)
            var b = try Endpoint.parse(spec: endpointB, defaultName: "B", defaultModel: model, defaultTimeout: timeout, environment: environment)
            if a.apiKey == nil { a.apiKey = key }
            if b.apiKey == nil { b.apiKey = key }
            if a.name == b.name { b.name += "′" }
            return [a, b]
        }
        guard let baseURL else { throw CutoverError(.invalidInput, "give --base-url or --a/--b") }
        guard baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://") else {
            throw CutoverError(.invalidInput, "--base-url must start with http:// or https://")
        }
        guard let model else { throw CutoverError(.invalidInput, "--model is required with --base-url") }
        return [Endpoint(name: "endpoint", baseURL: baseURL, apiKey: key, model: model, timeout: timeout)]
    }
}

/// `--json`: machine-readable output on stdout instead of the human summary.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print the report as JSON on stdout.")
    var json = false
}
