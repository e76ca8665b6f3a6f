/// Bounds that keep rendering finite on any template and input.
public struct RenderLimits: Sendable, Equatable {
    /// Largest rendered text (and largest string any single operation may build), in UTF-8 bytes.
    public var maxOutputBytes: Int
    /// Total loop iterations across the whole render.
    public var maxIterations: Int
    /// Deepest nesting of statements, expressions and macro calls while rendering.
    public var maxDepth: Int

    public init(maxOutputBytes: Int = 8 << 20, maxIterations: Int = 1_000_000, maxDepth: Int = 200) {
        self.maxOutputBytes = maxOutputBytes
        self.maxIterations = maxIterations
        self.maxDepth = maxDepth
    }
}
