import Foundation
import GGUF

/// How many sequences an engine generates at once when its configuration leaves it open
/// (`serve` without `--max-concurrent`): as many as decode throughput still gains from, and no
/// more than memory holds with every sequence at its full context.
///
/// The KV cache reserves each slot's full context but the OS backs only the pages a sequence
/// touches, so idle slots cost nothing; the bound is the worst case of every slot full at once.
public enum AutomaticSlots {
    /// The most slots chosen automatically. serve-bench on SmolLM2 on 2 cores (2026-12-07,
    /// 128 tokens per stream): aggregate decode 157 tok/s at 1 stream, 273 at 8, 333 at 16, 363 at
    /// 32 — still rising at 32 with inter-token p99 31 ms; past that each stream falls below
    /// ~10 tok/s for a few percent more in all.
    public static let limit = 32

    /// The share of the machine's memory (less the model's weights) the KV cache may take when
    /// every slot holds its full context; the rest is left to the process and the system.
    static let memoryShare = 0.5

    /// The slot count for `modelPath` served with `configuration` (its context length and prompt
    /// chunk), read from the file's header without loading the weights: for a model that loads
    /// later (a tier's) but whose admission queue is sized now.
    public static func count(modelPath: String, configuration: EngineConfiguration) throws(EngineError) -> Int {
        if let fixed = configuration.maxConcurrentSequences { return max(1, fixed) }
        let (file, hyperparameters) = try header(modelPath)
        return count(file: file, hyperparameters: hyperparameters, configuration: configuration)
    }

    /// The configured count, or the automatic one for a file whose header has been read: the one
    /// rule both the engine (when it loads) and `count(modelPath:configuration:)` (before) follow.
    static func count(file: GGUFFile, hyperparameters: LlamaHyperparameters, configuration: EngineConfiguration) -> Int {
        if let fixed = configuration.maxConcurrentSequences { return max(1, fixed) }
        return count(kvBytesPerSlot: InferenceEngine.cacheBytesPerSlot(hyperparameters, configuration: configuration),
                     weightBytes: file.tensorByteCount, memoryBytes: MachineMemory.bytes())
    }

    /// The slot counts of several models served by one process (a fleet's embedded models):
    /// the memory share is split between them, so that every model's slots full at once still
    /// fit beside all the weights, instead of each model planning for the whole machine. A model
    /// whose configuration fixes its count keeps it (its cache still counts against the rest).
    public static func counts(models: [(modelPath: String, configuration: EngineConfiguration)]) throws(EngineError) -> [Int] {
        var plans: [(kvBytesPerSlot: Int, fixed: Int?)] = []
        var weightBytes = 0
        for (modelPath, configuration) in models {
            let (file, hyperparameters) = try header(modelPath)
            weightBytes += file.tensorByteCount
            plans.append((InferenceEngine.cacheBytesPerSlot(hyperparameters, configuration: configuration),
                          configuration.maxConcurrentSequences.map { max(1, $0) }))
        }
        return counts(plans: plans, weightBytes: weightBytes, memoryBytes: MachineMemory.bytes())
    }

    /// `counts(models:)` for known sizes: the fixed counts' caches are taken from the budget
    /// first, then the rest is split evenly between the automatic ones.
    @_spi(Testing) public static func counts(plans: [(kvBytesPerSlot: Int, fixed: Int?)], weightBytes: Int, memoryBytes: Int) -> [Int] {
        let fixedBytes = plans.reduce(0) { $0 + ($1.fixed ?? 0) * $1.kvBytesPerSlot }
        let automatic = plans.filter { $0.fixed == nil }.count
        guard automatic > 0 else { return plans.map { $0.fixed ?? 1 } }
        let budget = (Double(memoryBytes - weightBytes) * memoryShare - Double(fixedBytes)) / Double(automatic)
        return plans.map { plan in
            if let fixed = plan.fixed { return fixed }
            guard budget > 0, plan.kvBytesPerSlot > 0 else { return 1 }
            return min(limit, max(1, Int(budget / Double(plan.kvBytesPerSlot))))
        }
    }

    /// Bytes of keys and values one slot of `modelPath` holds at its full context under `configuration`.
    @_spi(Testing) public static func cacheBytesPerSlot(modelPath: String, configuration: EngineConfiguration) throws(EngineError) -> Int {
        InferenceEngine.cacheBytesPerSlot(try header(modelPath).hyperparameters, configuration: configuration)
    }

    private static func header(_ modelPath: String) throws(EngineError) -> (file: GGUFFile, hyperparameters: LlamaHyperparameters) {
        let file: GGUFFile
        do { file = try GGUFFile(path: modelPath) } catch { throw .invalidModel(error.description) }
        let vocabulary = file.metadata["tokenizer.ggml.tokens"]?.arrayValues?.count ?? 0
        return (file, try LlamaHyperparameters(metadata: file.metadata, vocabularySize: vocabulary))
    }

    /// `limit`, or fewer when `memoryShare` of what the weights leave of `memoryBytes` cannot hold
    /// that many full slots; at least one.
    @_spi(Testing) public static func count(kvBytesPerSlot: Int, weightBytes: Int, memoryBytes: Int) -> Int {
        let budget = Double(memoryBytes - weightBytes) * memoryShare
        guard budget > 0, kvBytesPerSlot > 0 else { return 1 }
        return min(limit, max(1, Int(budget / Double(kvBytesPerSlot))))
    }
}

/// The memory this process may use: the machine's, or its control group's limit when lower
/// (a container's `--memory`).
enum MachineMemory {
    static func bytes() -> Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        var bytes = pages > 0 && pageSize > 0 ? pages * pageSize : 8 << 30
        // cgroup v2, then v1; "max" or an absurdly large v1 value means no limit.
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let limit = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0 {
                bytes = min(bytes, limit)
            }
        }
        return bytes
    }
}
