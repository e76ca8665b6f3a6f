import Foundation
import NIOCore
import NIOPosix
import OpenAIWire
import Synchronization

/// `serve-bench --gateway --soak SECONDS --slow-readers N`: N clients stream chat completions
/// through the gateway for SECONDS, each reading its stream slowly (a few KiB every few
/// milliseconds from a small socket buffer, so TCP pushes back to the gateway and from it to the
/// upstream), one stream after another; the process's resident memory is sampled every second.
/// A relay that buffers what its client has not read yet grows with every stream; one that reads
/// its upstream at the client's pace stays flat after the warm-up.
struct SlowReaderSoak {
    struct Settings {
        var seconds: Int
        var readers: Int
        /// Bytes a reader takes per read, and the pause between its reads.
        var readBytes = 4096
        var readInterval: Duration = .milliseconds(10)
        /// Samples before this second are the warm-up (connections, pools, allocator arenas).
        var warmUpSeconds: Int {
            max(5, seconds / 6)
        }
    }

    struct Sample: Codable {
        var second: Int
        var residentMiB: Double
    }

    struct Report: Codable {
        var seconds: Int
        var readers: Int
        var readBytes: Int
        var readIntervalMilliseconds: Double
        var streamBytes: Int
        var streamsCompleted: Int
        /// Streams that ended without a 200 status or without `[DONE]`.
        var streamsFailed: Int
        var bytesRead: Int
        var warmUpSeconds: Int
        var warmUpResidentMiB: Double
        var finalResidentMiB: Double
        var peakResidentMiB: Double
        /// Final and peak resident memory after the warm-up, relative to its end, in percent.
        var growthPercent: Double
        var peakGrowthPercent: Double
        var samples: [Sample]

        /// "N (M failed), X MiB read".
        var completedLine: String {
            "\(streamsCompleted) (\(streamsFailed) failed), " + String(format: "%.0f MiB read", Double(bytesRead) / (1024 * 1024))
        }
    }

    let settings: Settings

    /// Streams finished, failed, and bytes read, across readers.
    private final class Totals: Sendable {
        let counts = Mutex((completed: 0, failed: 0, bytes: 0))
    }

    /// Runs the readers against `port` (the gateway on 127.0.0.1) with `body` (a streamed request).
    func run(port: Int, body: String, apiKey: String, streamBytes: Int) async throws -> Report {
        let request = Self.request(port: port, body: body, apiKey: apiKey)
        let deadline = ContinuousClock.now + .seconds(settings.seconds)
        let totals = Totals()
        let settings = settings
        let samples = try await withThrowingTaskGroup(of: [Sample]?.self) { group in
            for _ in 0..<settings.readers {
                group.addTask {
                    while ContinuousClock.now < deadline {
                        let outcome = try await SlowStreamClient.stream(request, port: port, settings: settings, deadline: deadline)
                        totals.counts.withLock { totals in
                            totals.bytes += outcome.bytes
                            if outcome.cutAtDeadline { return }
                            if outcome.succeeded { totals.completed += 1 } else { totals.failed += 1 }
                        }
                    }
                    return nil
                }
            }
            group.addTask {
                var samples: [Sample] = []
                var second = 0
                while ContinuousClock.now < deadline {
                    try await Task.sleep(for: .seconds(1))
                    second += 1
                    samples.append(Sample(second: second, residentMiB: Self.residentMiB()))
                }
                return samples
            }
            var samples: [Sample] = []
            for try await result in group {
                if let result { samples = result }
            }
            return samples
        }
        let warmUp = samples.last { $0.second <= settings.warmUpSeconds }?.residentMiB ?? samples.first?.residentMiB ?? 0
        let after = samples.filter { $0.second > settings.warmUpSeconds }
        let final = samples.last?.residentMiB ?? warmUp
        let peak = after.map(\.residentMiB).max() ?? final
        let (completed, failed, bytes) = totals.counts.withLock { ($0.completed, $0.failed, $0.bytes) }
        return Report(
            seconds: settings.seconds, readers: settings.readers, readBytes: settings.readBytes,
            readIntervalMilliseconds: settings.readInterval.inMilliseconds, streamBytes: streamBytes, streamsCompleted: completed,
            streamsFailed: failed, bytesRead: bytes, warmUpSeconds: settings.warmUpSeconds, warmUpResidentMiB: warmUp,
            finalResidentMiB: final, peakResidentMiB: peak, growthPercent: warmUp > 0 ? (final / warmUp - 1) * 100 : 0,
            peakGrowthPercent: warmUp > 0 ? (peak / warmUp - 1) * 100 : 0, samples: samples)
    }

    /// The whole HTTP/1.1 request; `Connection: close` ends each stream with the connection.
    static func request(port: Int, body: String, apiKey: String) -> ByteBuffer {
        ByteBuffer(
            string: "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: Bearer \(apiKey)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body)
    }

    /// This process's resident set (`/proc/self/statm`), in MiB; 0 where there is none.
    static func residentMiB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / (1024 * 1024)
    }
}

/// One slow reader's stream: connects, sends the request, then reads `readBytes` at a time with
/// a pause between reads (auto-read off), until the server closes the connection.
enum SlowStreamClient {
    struct Outcome: Sendable {
        var succeeded: Bool
        var bytes: Int
        /// The soak ended while the stream was still being read (it counts neither way).
        var cutAtDeadline: Bool
    }

    static func stream(
        _ request: ByteBuffer, port: Int, settings: SlowReaderSoak.Settings, deadline: ContinuousClock.Instant
    ) async throws -> Outcome {
        let group = MultiThreadedEventLoopGroup.singleton
        let loop = group.next()
        let done = loop.makePromise(of: Outcome.self)
        let channel = try await ClientBootstrap(group: loop)
            .channelOption(.autoRead, value: false)
            .channelOption(.socketOption(.so_rcvbuf), value: 8192)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: settings.readBytes))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        SlowReaderHandler(request: request, interval: settings.readInterval, done: done))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        // The soak's end closes a stream still being read.
        let remaining = deadline - ContinuousClock.now
        let cut = loop.scheduleTask(in: .nanoseconds(max(0, remaining.nanoseconds))) { channel.close(promise: nil) }
        defer { cut.cancel() }
        var outcome = try await done.futureResult.get()
        if !outcome.succeeded, ContinuousClock.now >= deadline { outcome.cutAtDeadline = true }
        return outcome
    }
}

/// Sends the request, then asks for one read every `interval`; on close, reports whether the
/// response was a 200 that reached `data: [DONE]`.
private final class SlowReaderHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let request: ByteBuffer
    private let interval: Duration
    private let done: EventLoopPromise<SlowStreamClient.Outcome>
    private var bytes = 0
    private var head: [UInt8] = []
    /// The last bytes seen, so `[DONE]` split across reads is still found.
    private var tail: [UInt8] = []
    private var sawDone = false

    private static let doneMarker = Array("data: [DONE]".utf8)
    private static let okStatus = Array("HTTP/1.1 200".utf8)

    init(request: ByteBuffer, interval: Duration, done: EventLoopPromise<SlowStreamClient.Outcome>) {
        self.request = request
        self.interval = interval
        self.done = done
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        context.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        bytes += buffer.readableBytes
        let view = buffer.readableBytesView
        if head.count < Self.okStatus.count { head += view.prefix(Self.okStatus.count - head.count) }
        if !sawDone {
            let window = tail + view
            sawDone = window.withUnsafeBytes { ByteSearch.contains($0, Self.doneMarker) }
            tail = Array(window.suffix(Self.doneMarker.count - 1))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        let channel = context.channel
        context.eventLoop.scheduleTask(in: .nanoseconds(interval.nanoseconds)) { channel.read() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.succeed(SlowStreamClient.Outcome(succeeded: sawDone && head == Self.okStatus, bytes: bytes, cutAtDeadline: false))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

extension Duration {
    /// Whole nanoseconds (saturating), for NIO's `TimeAmount`.
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let limit = Int64.max / 1_000_000_000 - 1
        return min(max(seconds, 0), limit) * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
