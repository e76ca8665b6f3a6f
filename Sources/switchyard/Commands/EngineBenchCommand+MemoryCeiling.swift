import GGUF


/// The decode rate memory allows: a decode step reads every weight of the model once (the token
/// embeddings only one row, unless they are also the output projection), so no kernel can decode
/// faster than the machine's read rate over those bytes. Next to it, engine-bench shows how close
/// the engine and llama.cpp come, which tells a memory-bound model from slow kernels.
struct DecodeMemoryCeiling {
    /// Weight bytes one decoded token reads.
    var bytesPerToken: Int
    /// What `threads` threads read per second from a buffer far larger than the caches.
    var readBytesPerSecond: Double

    var tokensPerSecond: Double { readBytesPerSecond / Double(bytesPerToken) }

    static func measure(modelPath: String, threads: Int) throws -> DecodeMemoryCeiling {
        let file = try GGUFFile(path: modelPath)
        var bytes = file.tensorByteCount
        if file.tensor(named: "output.weight") != nil, let embeddings = file.tensor(named: "token_embd.weight") {
            bytes -= embeddings.byteCount - embeddings.byteCount / max(embeddings.rowCount, 1)
        }
        return DecodeMemoryCeiling(
            bytesPerToken: bytes, readBytesPerSecond: MemoryReadRate.bytesPerSecond(threads: threads))
    }
}
