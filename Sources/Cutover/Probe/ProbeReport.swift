/// The probe matrix of one endpoint.
public struct ProbeReport: Sendable, Encodable {
    public var endpoint: Endpoint
    public var results: [ProbeResult]

    public init(endpoint: Endpoint, results: [ProbeResult]) {
        self.endpoint = endpoint
        self.results = results
    }

    public func result(_ feature: ProbeFeature) -> ProbeResult? {
        results.first { $0.feature == feature }
    }

    /// Features whose status is `broken`.
    public var broken: [ProbeFeature] { results.filter { $0.status == .broken }.map(\.feature) }

    /// A table: feature, status, detail.
    public var text: String {
        var lines = ["probe \(endpoint.name) \(endpoint.baseURL) model=\(endpoint.model)"]
        for result in results {
            lines.append("  \(result.feature.rawValue.padding(22)) \(result.cell.padding(14)) \(result.detail)")
        }
        return lines.joined(separator: "\n")
    }

    /// Two endpoints' matrices side by side, marking rows that differ, then the differing details.
    public static func comparison(_ a: ProbeReport, _ b: ProbeReport) -> String {
        var lines = ["  " + "feature".padding(22) + " " + a.endpoint.name.padding(16) + " " + b.endpoint.name]
        var differing: [(ProbeResult, ProbeResult)] = []
        for left in a.results {
            guard let right = b.result(left.feature) else { continue }
            let differs = left.status != right.status || left.httpStatus != right.httpStatus
            if differs || left.feature == .samplingDefaults { differing.append((left, right)) }
            lines.append("\(differs ? "≠" : " ") \(left.feature.rawValue.padding(22)) \(left.cell.padding(16)) \(right.cell)")
        }
        if !differing.isEmpty {
            lines.append("")
            for (left, right) in differing {
                lines.append("\(left.feature.rawValue):")
                lines.append("  \(a.endpoint.name): \(left.detail)")
                lines.append("  \(b.endpoint.name): \(right.detail)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
