import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// Serves `GET /metrics` (Prometheus text format) and `GET /healthz` on one event-loop thread,
/// beside the stream and never in its way: a scrape reads the registry, which the stream only
/// touches once per tick. Anything else gets a 4xx; a request that does not parse gets a 400 and
/// is closed (NIO's error handler); an idle connection is closed after 10 s.
public final class MetricsServer {
    public struct Address: Sendable, Equatable, CustomStringConvertible {
        public let host: String
        public let port: Int

        /// `HOST:PORT`, `[IPv6]:PORT`, `:PORT` or `PORT`; without a host, loopback only.
        public init?(_ text: String) {
            var host = "127.0.0.1"
            var portText = text
            if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
                host = String(text[text.index(after: text.startIndex)..<close])
                portText = String(text[text.index(after: close)...].dropFirst())
                guard text[text.index(after: close)...].hasPrefix(":") else { return nil }
            } else if let colon = text.lastIndex(of: ":") {
                if colon != text.startIndex { host = String(text[..<colon]) }
                portText = String(text[text.index(after: colon)...])
            }
            guard let port = Int(portText), (0...65535).contains(port), !host.isEmpty else { return nil }
            self.host = host
            self.port = port
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    /// The port bound (useful with port 0).
    public let port: Int

    public init(address: Address, registry: PrometheusCollectorRegistry) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(10)))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsHandler(registry: registry))
                }
            }
            .childChannelOption(.maxMessagesPerRead, value: 1)
        do {
            channel = try bootstrap.bind(host: address.host, port: address.port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        port = channel.localAddress?.port ?? address.port
    }

    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// One request at a time per connection (NIO's pipelining handler orders them).
final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: PrometheusCollectorRegistry
    private var head: HTTPRequestHead?

    init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request): head = request
        case .body: break  // no route takes a body; its bytes are dropped as they come
        case .end:
            guard let request = head else { return }
            head = nil
            respond(to: request, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        var status = HTTPResponseStatus.ok
        var body: [UInt8]
        var contentType = "text/plain; charset=utf-8"
        var headers = HTTPHeaders()
        switch (request.method, path) {
        case (.GET, "/metrics"), (.HEAD, "/metrics"):
            body = registry.emitToBuffer()
            contentType = "text/plain; version=0.0.4; charset=utf-8"
        case (.GET, "/healthz"), (.HEAD, "/healthz"):
            body = Array("ok\n".utf8)
        case (_, "/metrics"), (_, "/healthz"):
            status = .methodNotAllowed
            headers.add(name: "Allow", value: "GET, HEAD")
            body = Array("only GET and HEAD\n".utf8)
        default:
            status = .notFound
            body = Array("sladd serves /metrics and /healthz\n".utf8)
        }
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
