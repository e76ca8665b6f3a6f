import Hummingbird

/// Counts every API request by model and status once its response is ready.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = SwitchyardRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        if let model = context.outcome.model {
            metrics.recordRequest(model: model, status: response.status.code)
        }
        return response
    }
}
