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
        for model in state.catalogue.models {
            let id = model.descriptor.id
            let queue = state.queues[id]
            let load = (try? model.localBackend())??.load ?? BackendLoad(queued: 0, active: 0)
            state.metrics.recordLoad(
                model: id, queued: (queue?.waiting ?? 0) + load.queued, active: queue?.active ?? load.active)
        }
        for tier in state.catalogue.tiers {
            state.metrics.recordTier(await tier.status())
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: state.metrics.render())))
    }
}
