import Fleet
import HTTPTypes
import Hummingbird
import OpenAIWire

/// `POST /v1/embeddings`: the embedded sentence-embedding model, or an upstream's model (the
/// request passes through as it came, `dimensions` and unknown fields included).
struct EmbeddingsRoute: Sendable {
    let state: ServingState

    func handle(_ request: Request, context: SwitchyardRequestContext) async throws -> Response {
        let bodyBytes = try await request.body.collect(upTo: state.configuration.maxBodyBytes)
        let embedding = try EmbeddingRequest(body: bodyBytes.readableBytesView)
        let admission = try await state.admit(
            model: embedding.model, endpoint: "embeddings", stream: false, maxTokens: 0, bodyBytes: bodyBytes.readableBytes,
            user: embedding.user, context: context)
        if case .upstream(let upstream) = admission.served.route {
            return try await UpstreamProxy(state: state, admission: admission, upstream: upstream)
                .respond(path: "embeddings", body: bodyBytes, stream: false)
        }
        do {
            try state.checkIgnored(embedding.ignoredFields)
            guard case .backend(let backend as EmbeddingBackend) = admission.served.route else {
                throw EmbeddingBackend.notAnEmbeddingModel(admission.model.id)
            }
            if embedding.dimensions != nil {
                throw FleetError.invalidRequest(
                    message: "The model '\(backend.descriptor.id)' does not support 'dimensions': its vectors always have \(backend.dimensions) numbers.",
                    param: "dimensions", code: "unsupported_parameter")
            }
            let work = LocalEmbedding(state: state, admission: admission, backend: backend, request: embedding)
            return try await CompletionResponder(admission: admission)
                .respond(stream: false, complete: work.complete, startStream: work.startStream)
        } catch {
            await admission.accounting.finish(status: ErrorMapping.openAIError(for: error).status)
            throw error
        }
    }
}

/// An embeddings request on the in-process model: tokenized and checked, then its inputs run
/// through the encoder as one batch.
struct LocalEmbedding: LocalCompletionWork {
    let state: ServingState
    let admission: CompletionAdmission
    let backend: EmbeddingBackend
    let request: EmbeddingRequest

    func complete() async throws -> (JSONValue, HTTPFields) {
        let sequences = try backend.sequences(for: request.inputs)
        let promptTokens = sequences.reduce(0) { $0 + $1.count }
        let accounting = admission.accounting
        accounting.setUsage(prompt: promptTokens, completion: 0)
        accounting.reserve(tokens: promptTokens)
        accounting.adopt(try await admission.queue.acquire(client: admission.client))
        let vectors = await backend.embed(sequences)
        accounting.outputArrived()
        state.metrics.recordTokens(model: backend.descriptor.id, prompt: promptTokens, completion: 0)
        let list = EmbeddingList(
            model: backend.descriptor.id, vectors: vectors, encodingFormat: request.encodingFormat, promptTokens: promptTokens)
        return (list.value, ResponseHeaders.make(defaulted: [], ignored: request.ignoredFields))
    }

    func startStream() async throws -> StreamStart {
        throw OpenAIError.invalidRequest("Embeddings are not streamed.", param: "stream", code: "unsupported_parameter")
    }
}
