import Fleet
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAIWire

/// What the two completion endpoints share once their request is parsed: admission, the
/// upstream proxy for upstream models, and the responder around the endpoint's local work.
struct CompletionEndpoint: Sendable {
    let state: ServingState
    /// The path below `/v1/` ("chat/completions", "completions"), also the upstream's.
    let path: String

    /// Serves a parsed request: `local` makes the in-process work once the request is admitted.
    /// - Parameter object: the body as parsed already (`nil`: parsed again if forwarded).
    func serve(
        model: String, options: GenerationOptions, ignoredFields: [String], body: ByteBuffer, object: JSONObject? = nil,
        context: SwitchyardRequestContext,
        local: (CompletionAdmission) -> any LocalCompletionWork
    ) async throws -> Response {
        let admission = try await state.admit(
            model: model, endpoint: path, stream: options.stream, maxTokens: options.maxTokens, bodyBytes: body.readableBytes,
            user: options.user, context: context)
        if case .upstream(let upstream) = admission.served.route {
            // Fields we do not know go through: the upstream may support them.
            return try await UpstreamProxy(state: state, admission: admission, upstream: upstream)
                .respond(path: path, body: body, object: object, stream: options.stream)
        }
        do {
            try state.checkIgnored(ignoredFields)
        } catch {
            await admission.accounting.finish(status: error.status)
            throw error
        }
        let work = local(admission)
        return try await CompletionResponder(admission: admission)
            .respond(stream: options.stream, complete: work.complete, startStream: work.startStream)
    }
}

/// An endpoint's work on an in-process backend, started once the model's tier is awake.
protocol LocalCompletionWork: Sendable {
    /// Runs a non-streamed request to the end: its JSON body and headers.
    func complete() async throws -> (JSONValue, HTTPFields)
    /// Does what can still fail with an HTTP status, then returns the event writer.
    func startStream() async throws -> StreamStart
}
