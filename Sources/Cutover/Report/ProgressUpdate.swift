/// Progress of a long-running kit operation; libraries report it, the executable renders it.
public struct ProgressUpdate: Sendable, Hashable {
    public var completed: Int
    public var total: Int
    /// What is being done now ("probe logprobs on A", "bench B c=4").
    public var label: String

    public init(completed: Int, total: Int, label: String) {
        self.completed = completed
        self.total = total
        self.label = label
    }
}

/// Receives progress updates; may be called from any task.
public typealias ProgressHandler = @Sendable (ProgressUpdate) -> Void
