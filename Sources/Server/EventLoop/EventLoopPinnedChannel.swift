import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1 child channel whose connection task prefers its channel's event loop as
/// executor (see `EventLoopTaskExecutor`): a request to an upstream model goes from head to
/// response end on one thread, instead of hopping event loop → cooperative pool → event loop
/// (async-http-client) → pool → event loop once or more per await.
struct EventLoopPinnedChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await base.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// `.http1(configuration:)` with each connection's task on its channel's event loop.
    static func http1PinnedToEventLoop(configuration: HTTP1Channel.Configuration) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            EventLoopPinnedChannel(base: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }
}
