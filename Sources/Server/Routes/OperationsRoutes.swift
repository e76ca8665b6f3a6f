import Fleet
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAIWire

/// `GET /health` and `GET /metrics`.
struct OperationsRoutes: Sendable {
    let state: ServingState

    func health(_ request: Request, context: SwitchyardRequestContext) async throws -> Response {
        let models = JSONValue.array(state.catalogue.descriptors.map { .string($0.id) })
        guard let database = await state.databaseHealth() else {
            return ResponseHeaders.json(["status": "ok", "models": models])
        }
        // Serving goes on while the database is down (cached keys, spooled ledger rows): still 200,
        // with the degradation spelled out.
        return ResponseHeaders.json([
            "status": .string(database.degraded ? "degraded" : "ok"), "models": models,
            "database": [
                "status": .string(database.degraded ? "unavailable" : "ok"),
                "spooled_rows": .int(database.pendingRows),
            ],
        ])
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
        for model in state.catalogue.models {
            if case .upstream(let backend) = model.route {
                state.metrics.recordUpstreams(model: model.descriptor.id, backend.pool.status())
            }
        }
        if let database = await state.databaseHealth() {
            state.metrics.recordDatabase(
                degraded: database.degraded, keyLookupFailures: database.keyLookupFailures,
                rateLimitFailures: database.rateLimitFailures, spooledRows: database.spooledRows,
                replayedRows: database.replayedRows, pendingRows: database.pendingRows)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: state.metrics.render())))
    }
}
