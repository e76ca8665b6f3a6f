/// Where a configured model runs.
public enum BackendEntry: Sendable, Equatable {
    /// In this process: a catalogue name (`smollm2-135m-instruct`) or a `.gguf` path.
    case embedded(model: String)
    /// Another OpenAI-compatible server, or several in failover order.
    case upstream([UpstreamEntry])
}
