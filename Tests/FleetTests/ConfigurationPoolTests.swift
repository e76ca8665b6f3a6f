import Fleet
import Testing

/// `balance`, `prefix_length`, `health`, `max_concurrency` and `health_url` in a configuration file.
@Suite struct ConfigurationPoolTests {
    private func model(_ extra: String, targets: String? = nil) -> String {
        """
        models:
          - name: pool
            upstreams:
        \(targets ?? """
              - base_url: http://10.0.0.1:8000/v1
                max_concurrency: 16
                health_url: http://10.0.0.1:8000/health
              - base_url: http://10.0.0.2:8000/v1
        """)
        \(extra)
        """
    }

    @Test func aPoolReadsItsSettings() throws {
        let configuration = try ConfigurationTests.parse(
            model("""
                balance: prefix_affinity
                prefix_length: 2048
                health: { interval: 2s, eject_after: 5, cool_down: 1m }
            """))
        let entry = configuration.models[0]
        #expect(entry.upstreamPool == UpstreamPoolSettings(
            balance: .prefixAffinity, prefixLength: 2048, healthInterval: .seconds(2), ejectAfter: 5, coolDown: .seconds(60)))
        guard case .upstream(let targets) = entry.backend else { Issue.record("expected upstreams"); return }
        #expect(targets[0].maxConcurrency == 16)
        #expect(targets[0].healthURL == "http://10.0.0.1:8000/health")
        #expect(targets[1].maxConcurrency == nil)
        #expect(targets[1].healthURL == nil)
    }

    @Test func settingOnlyHealthKeepsTheDefaultBalance() throws {
        let configuration = try ConfigurationTests.parse(model("    health: { eject_after: 1 }"))
        #expect(configuration.models[0].upstreamPool?.balance == .leastOutstanding)
        #expect(configuration.models[0].upstreamPool?.ejectAfter == 1)
    }

    @Test func noPoolKeysNoSettings() throws {
        #expect(try ConfigurationTests.parse(model("")).models[0].upstreamPool == nil)
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var yaml: String
        var message: String
        var testDescription: String { message }
    }

    @Test(arguments: [
        Refusal(yaml: "    balance: least_outstandin", message: "did you mean 'least_outstanding'?"),
        Refusal(yaml: "    health: { intervall: 2s }", message: "unknown key 'intervall'"),
        Refusal(yaml: "    health: { eject_after: 0 }", message: "'eject_after' must be at least 1"),
        Refusal(yaml: "    prefix_length: -3", message: "'prefix_length' must be at least 1"),
    ])
    func badPoolSettingsAreRefused(_ refusal: Refusal) {
        let error = ConfigurationTests.error(model(refusal.yaml))
        #expect(error?.message.contains(refusal.message) == true, "\(String(describing: error))")
    }

    @Test func badTargetSettingsAreRefused() {
        let zero = ConfigurationTests.error(model("", targets: "      - { base_url: http://a:1/v1, max_concurrency: 0 }"))
        #expect(zero?.message.contains("'max_concurrency' must be at least 1") == true)
        let url = ConfigurationTests.error(model("", targets: "      - { base_url: http://a:1/v1, health_url: /health }"))
        #expect(url?.message.contains("'health_url' must be an http:// or https:// URL") == true)
    }

    @Test func embeddedModelsHaveNoPool() {
        let error = ConfigurationTests.error(
            """
            models:
              - name: local
                embedded: { model: smollm2-135m-instruct }
                balance: round_robin
            """)
        #expect(error?.message.contains("applies to upstream models only") == true)
    }
}
