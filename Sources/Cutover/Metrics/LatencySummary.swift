import Histogram

/// Mean and percentiles of a set of durations, in milliseconds.
///
/// The mean is exact; percentiles come from an HDR histogram at microsecond resolution
/// with three significant digits, as latency tools conventionally report them.
public struct LatencySummary: Sendable, Codable, Hashable {
    public var count: Int
    public var mean: Double
    public var min: Double
    public var max: Double
    public var p50: Double
    public var p90: Double
    public var p95: Double
    public var p99: Double

    /// Summarizes `values` given in seconds; an empty list gives all zeros.
    public init(seconds values: [Double]) {
        count = values.count
        guard !values.isEmpty else {
            mean = 0; min = 0; max = 0; p50 = 0; p90 = 0; p95 = 0; p99 = 0
            return
        }
        var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
        histogram.autoResize = true
        for value in values {
            _ = histogram.record(UInt64((Swift.max(0, value) * 1_000_000).rounded()))
        }
        func milliseconds(_ micros: UInt64) -> Double { Double(micros) / 1000 }
        mean = values.reduce(0, +) / Double(values.count) * 1000
        min = (values.min() ?? 0) * 1000
        max = (values.max() ?? 0) * 1000
        p50 = milliseconds(histogram.valueAtPercentile(50))
        p90 = milliseconds(histogram.valueAtPercentile(90))
        p95 = milliseconds(histogram.valueAtPercentile(95))
        p99 = milliseconds(histogram.valueAtPercentile(99))
    }

    /// The named statistic ("mean", "p50", "p90", "p95", "p99", "min", "max").
    public func value(_ statistic: String) -> Double? {
        switch statistic {
        case "mean": mean
        case "p50", "median": p50
        case "p90": p90
        case "p95": p95
        case "p99": p99
        case "min": min
        case "max": max
        default: nil
        }
    }
}
