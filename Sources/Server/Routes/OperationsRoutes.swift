import Fleet
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAIWire

/// `GET /health` and `GET /metrics`.
struct OperationsRoutes: Sendable {
    let state: ServingState

    func health(_ request: Request, context: SwitchyardRequestContext) async throws -> Response {
        ResponseHeaders.json(["status": "ok", "models": .array(state.catalogue.descriptors.map { .string($0.id) })])
    }

    func metrics(_ request: Request, context: SwitchyardRequestContext) async throws -> Response {
        for backend in state.catalogue.backends {
            let id = backend.descriptor.id
            let queue = state.queues[id]
            let load = backend.load
            state.metrics.recordLoad(
                model: id, queued: (queue?.waiting ?? 0) + load.queued, active: queue?.active ?? load.active)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: state.metrics.render())))
    }
}
