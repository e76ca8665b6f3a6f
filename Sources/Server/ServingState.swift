import Fleet
import Foundation
import OpenAIWire

/// What every route shares: the models, their queues, the accounts, metrics and configuration.
struct ServingState: Sendable {
    let catalogue: ModelCatalogue
    let queues: [String: AdmissionQueue]
    let metrics: ServerMetrics
    let configuration: ServerConfiguration
    let accounts: ServerAccounts

    init(catalogue: ModelCatalogue, metrics: ServerMetrics, configuration: ServerConfiguration, accounts: ServerAccounts) {
        self.catalogue = catalogue
        self.metrics = metrics
        self.configuration = configuration
        self.accounts = accounts
        var queues: [String: AdmissionQueue] = [:]
        for descriptor in catalogue.descriptors {
            let maxActive = switch descriptor.concurrency {
            case .serverLimit: configuration.maxActive
            case .slots(let slots): slots
            case .upstream: Int.max
            }
            queues[descriptor.id] = AdmissionQueue(maxActive: maxActive, maxWaiting: configuration.maxQueue)
        }
        self.queues = queues
        for model in catalogue.models {
            if case .upstream(let backend) = model.route { backend.pool.observe(with: metrics) }
        }
    }

    func queue(for model: String) throws(FleetError) -> AdmissionQueue {
        guard let queue = queues[model] else { throw FleetError.modelNotFound(model) }
        return queue
    }

    /// The sampling defaults of `model`: its own from the configuration file, else the server's.
    func samplingDefaults(for model: ServedModel) -> SamplingDefaults {
        model.samplingDefaults ?? configuration.samplingDefaults
    }

    func planner(for model: ServedModel) -> RequestPlanner {
        RequestPlanner(defaults: samplingDefaults(for: model))
    }

    /// With `--strict-params`, unknown fields are errors; otherwise they are listed in a header.
    func checkIgnored(_ fields: [String]) throws(OpenAIError) {
        if configuration.strictParams, let first = fields.first {
            throw OpenAIError.invalidRequest(
                "Unrecognized request argument supplied: \(fields.joined(separator: ", ")). This server runs with --strict-params.",
                param: first, code: "unknown_parameter")
        }
    }

    /// The fairness key: the API key used, then the end user the client named.
    func client(_ caller: String, user: String?) -> String {
        "\(caller)/\(user ?? "")"
    }

    static var now: Int { Int(Date().timeIntervalSince1970) }
}
