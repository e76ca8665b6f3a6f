import Fleet
import Foundation
import Testing

@Suite struct ConfigurationTests {
    static let environment = ["BIG_API_KEY": "sk-test-secret"]

    static func parse(_ yaml: String, environment: [String: String] = environment) throws(ConfigurationError) -> FleetConfiguration {
        try FleetConfiguration.parse(yaml: yaml, source: "switchyard.yaml", environment: environment)
    }

    /// The error `yaml` is refused with.
    static func error(_ yaml: String, environment: [String: String] = environment) -> ConfigurationError? {
        do {
            _ = try parse(yaml, environment: environment)
            return nil
        } catch {
            return error
        }
    }

    @Test func theExampleParses() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/switchyard.yaml").path
        let configuration = try FleetConfiguration.load(path: path, environment: Self.environment)
        #expect(configuration.models.map(\.name) == ["smollm2", "big", "shared"])
        let smol = configuration.models[0]
        #expect(smol.aliases == ["gpt-4o-mini"])
        #expect(smol.backend == .embedded(model: "smollm2-135m-instruct"))
        #expect(smol.contextLength == 8192)
        #expect(smol.samplingDefaults == SamplingDefaults(temperature: 0.7, topP: 0.95))
        #expect(
            configuration.models[1].backend
                == .upstream([
                    UpstreamEntry(
                        baseURL: "http://127.0.0.1:9001/v1", model: "SmolLM2-135M-Instruct.Q4_1", apiKey: "sk-test-secret",
                        apiKeyEnv: "BIG_API_KEY", timeout: .seconds(120))
                ]))
        guard case .upstream(let shared) = configuration.models[2].backend else {
            Issue.record("expected upstreams")
            return
        }
        #expect(shared.map(\.baseURL) == ["https://llm-a.example.internal/v1", "https://llm-b.example.internal/v1"])
        #expect(shared.map(\.timeout) == [.seconds(600), .seconds(300)])

        let gpu = try #require(configuration.tiers.first)
        #expect(configuration.tiers.count == 1)
        #expect(gpu.name == "gpu" && gpu.models == ["big"])
        #expect(gpu.idleTimeout == .seconds(600))
        #expect(gpu.wakeBudget == .seconds(480) && gpu.wakeHardCap == .seconds(600))
        #expect(gpu.keepAliveInterval == .seconds(5))
        #expect(gpu.wake?.command == "exec switchyard serve --port 9001")
        #expect(gpu.wake?.readyURL == "http://127.0.0.1:9001/health")
        #expect(gpu.wake?.environment == ["SWITCHYARD_HOME": "/var/lib/switchyard"])
        #expect(configuration.tier(forModel: "big")?.name == "gpu")
        #expect(configuration.tier(forModel: "smollm2") == nil)
        #expect(configuration.model(named: "gpt-4o-mini")?.name == "smollm2")
        #expect(configuration.model(named: "nope") == nil)
        #expect(!String(describing: configuration.models[1]).contains("sk-test-secret"))
    }

    @Test func aMinimalFileTakesTheDefaults() throws {
        let configuration = try Self.parse(
            """
            models:
              - name: a
                upstream: {base_url: "http://localhost:8000/v1/"}
                defaults: {temperature: 0.2}
            tiers:
              - name: t
                models: [a]
                wake_hard_cap: 2m
                wake: {command: "sleep 100", ready_url: "http://localhost:8000/health"}
            """)
        let model = try #require(configuration.models.first)
        #expect(model.backend == .upstream([UpstreamEntry(baseURL: "http://localhost:8000/v1")]))
        #expect(model.samplingDefaults == SamplingDefaults(temperature: 0.2))
        #expect(model.line == 2)
        let tier = try #require(configuration.tiers.first)
        #expect(tier.idleTimeout == nil)
        #expect(tier.wakeHardCap == .seconds(120))
        #expect(tier.wakeBudget == .seconds(120), "the default budget is capped by a shorter hard cap")
        #expect(tier.line == 6)
        #expect(TierSettings(tier).wakeHardCap == .seconds(120))
    }

    @Test func anUnknownKeyIsNamedWithItsLineAndASuggestion() {
        let error = Self.error(
            """
            models:
              - name: big
                upstream: {base_url: "http://127.0.0.1:9001/v1"}
            tiers:
              - name: gpu
                models: [big]
                idle_timout: 10m
                wake: {command: "x", ready_url: "http://127.0.0.1:9001/health"}
            """)
        #expect(error?.description == "switchyard.yaml:7:5: unknown key 'idle_timout' in tier 'gpu' (did you mean 'idle_timeout'?)")
        #expect(error?.line == 7 && error?.column == 5)
    }

    @Test func eachProblemIsReportedAtItsPlace() {
        let upstream = "upstream: {base_url: \"http://127.0.0.1:9001/v1\"}"
        let cases: [(yaml: String, line: Int, fragment: String)] = [
            ("models:\n  - name: a\n    embedded: {model: m}\n    context_window: big\n", 4, "'context_window' must be a whole number"),
            ("models:\n  - name: a\n    embedded: {model: m}\n    aliases: gpt\n", 4, "'aliases' must be a list"),
            ("models:\n  - name: a\n    \(upstream)\ntiers:\n  - name: t\n    models: [a]\n    idle_timeout: soon\n    wake: {command: x, ready_url: \"http://h/\"}\n",
             7, "'idle_timeout' is not a duration: 'soon'"),
            ("models:\n  - name: a\n    \(upstream)\ntiers:\n  - name: t\n    models: [a]\n    idle_timeout: 0s\n    wake: {command: x, ready_url: \"http://h/\"}\n",
             7, "'idle_timeout' must be longer than zero"),
            ("models:\n  - name: a\n    \(upstream)\ntiers:\n  - name: t\n    models: [a]\n    keepalive: -5s\n    wake: {command: x, ready_url: \"http://h/\"}\n",
             7, "'keepalive' is not a duration"),
            ("models:\n  - name: a\n    \(upstream)\ntiers:\n  - name: t\n    models: [a]\n    wake_hard_cap: 1m\n    wake_budget: 2m\n    wake: {command: x, ready_url: \"http://h/\"}\n",
             8, "'wake_budget' (2m) of tier 't' is longer than its 'wake_hard_cap' (1m)"),
            ("models:\n  - name: a\n    \(upstream)\n  - name: b\n    aliases: [a]\n    \(upstream)\n", 5, "alias 'a' is already used"),
            ("models:\n  - name: a\n    \(upstream)\n  - name: a\n    \(upstream)\n", 4, "model name 'a' is already used"),
            ("models:\n  - name: a\n    \(upstream)\ntiers:\n  - name: t\n    models: [a, b]\n    wake: {command: x, ready_url: \"http://h/\"}\n",
             6, "tier 't' names the model 'b', which is not in 'models'"),
            ("models:\n  - name: a\n    \(upstream)\ntiers:\n  - name: t\n    models: [a]\n    wake: {command: x, ready_url: \"http://h/\"}\n  - name: u\n    models:\n      - a\n    wake: {command: x, ready_url: \"http://h/\"}\n",
             10, "model 'a' cannot be in tier 'u': it is already in tier 't'"),
            ("models:\n  - name: a\n    embedded: {model: m}\n    \(upstream)\n", 4, "model 'a' has 'embedded' and 'upstream': give exactly one"),
            ("models:\n  - name: a\n    context_window: 10\n", 2, "model 'a' needs one of 'embedded'"),
            ("models:\n  - name: a\n    upstream: {base_url: \"ftp://host/v1\"}\n", 3, "'base_url' must be an http:// or https:// URL"),
            ("models:\n  - name: a\n    \(upstream)\ntiers:\n  - name: t\n    models: [a]\n    wake: {command: \"serve\"}\n", 7, "has a 'command' but no 'ready_url'"),
            ("models:\n  - name: a\n    upstream: {base_url: \"http://h/v1\", api_key_env: NOT_SET_ANYWHERE}\n", 3,
             "the environment variable 'NOT_SET_ANYWHERE' (api_key_env of model 'a') is not set"),
            ("models:\n  - name: a\n    \(upstream)\ntiers:\n  - name: t\n    models: [a]\n", 5, "tier 't' has nothing to wake"),
            ("models:\n  - name: a\n    \(upstream)\n    upstream: {base_url: \"http://h/v1\"}\n", 3, "the key 'upstream' appears more than once in one mapping"),
            ("models:\n  - name: a\n    embedded: {model: m}\n    defaults: {temperature: 3}\n", 4, "'temperature' must be between 0.0 and 2.0"),
            ("models:\n  - name: a\n    embedded: {model: m, path: x}\n", 3, "unknown key 'path' in 'embedded' of model 'a'"),
            ("models:\n  - name: [a]\n    embedded: {model: m}\n", 2, "'name' must be a string"),
            ("models:\n  - name: a\n    embedded: {model: m}\n   bad: [\n", 4, "not valid YAML"),
            ("modles: []\n", 1, "unknown key 'modles' in the top level (did you mean 'models'?)"),
            ("models: []\n", 1, "'models' must list at least one model"),
            ("", 1, "the file is empty"),
        ]
        for (yaml, line, fragment) in cases {
            let error = Self.error(yaml)
            #expect(error?.message.contains(fragment) == true, "\(yaml)\n→ \(error?.description ?? "no error")")
            #expect(error?.line == line, "\(yaml)\n→ \(error?.description ?? "no error")")
            #expect(error?.description.hasPrefix("switchyard.yaml:\(line):") == true)
        }
    }

    @Test func anUnreadableFileIsNamed() {
        #expect(throws: ConfigurationError.self) { try FleetConfiguration.load(path: "/nonexistent/switchyard.yaml", environment: [:]) }
        do {
            _ = try FleetConfiguration.load(path: "/nonexistent/switchyard.yaml", environment: [:])
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/switchyard.yaml: cannot read the file"))
        }
    }

    @Test func durationsParseEveryDocumentedForm() {
        let cases: [(String, Duration)] = [
            ("500ms", .milliseconds(500)), ("30s", .seconds(30)), ("5m", .seconds(300)), ("1h", .seconds(3600)),
            ("1m30s", .seconds(90)), ("1h2m3s", .seconds(3723)), ("45", .seconds(45)), ("1.5", .milliseconds(1500)),
            ("2.5s", .milliseconds(2500)), ("0", .zero),
        ]
        for (text, expected) in cases {
            #expect(DurationText.parse(text) == expected, "\(text)")
        }
        for bad in ["", "s", "5x", "-5s", "-1", "5 m", "m5", "1.2.3s", "inf"] {
            #expect(DurationText.parse(bad) == nil, "\(bad)")
        }
        for duration: Duration in [.milliseconds(250), .seconds(45), .seconds(90), .seconds(3600), .seconds(3723), .milliseconds(1500)] {
            #expect(DurationText.parse(DurationText.format(duration)) == duration)
        }
        #expect(DurationText.format(.seconds(90)) == "1m30s")
    }
}
