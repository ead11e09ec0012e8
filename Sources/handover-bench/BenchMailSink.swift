import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A mail server for `handover-bench mail` on loopback: it accepts every message and notes when
/// each Message-ID arrived, so both senders are measured against the same, fast, receiver
/// (aiosmtpd would measure Python). Not a real server: no TLS, no AUTH, no checks.
final class MailSink: Sendable {
    private let channel: any Channel
    let port: Int
    private let arrivals = Mutex<[String: ContinuousClock.Instant]>([:])

    private init(channel: any Channel) throws {
        self.channel = channel
        guard let port = channel.localAddress?.port else { throw BenchError("the mail sink has no port") }
        self.port = port
    }

    static func start() async throws -> MailSink {
        let box = Mutex<MailSink?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let sink = box.withLock({ $0 }) else { throw BenchError("the mail sink is not ready") }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineDecoder()))
                    try channel.pipeline.syncOperations.addHandler(SinkSession(sink: sink))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let sink = try MailSink(channel: channel)
        box.withLock { $0 = sink }
        return sink
    }

    func received(_ messageID: String) { arrivals.withLock { $0[messageID] = ContinuousClock.now } }
    var count: Int { arrivals.withLock { $0.count } }
    func arrival(of messageID: String) -> ContinuousClock.Instant? { arrivals.withLock { $0[messageID] } }
    func reset() { arrivals.withLock { $0.removeAll(keepingCapacity: true) } }
    func close() async { try? await channel.close() }
}

/// Lines without their CRLF.
private struct LineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return .needMoreData }
        let length = end - buffer.readerIndex
        var line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 1)
        if line.hasSuffix("\r") { line.removeLast() }
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }
}

/// One connection's conversation: commands answered with success, DATA read to its lone ".".
private final class SinkSession: ChannelInboundHandler {
    typealias InboundIn = String
    typealias OutboundOut = ByteBuffer

    let sink: MailSink
    var inData = false
    var messageID: String?

    init(sink: MailSink) { self.sink = sink }

    func channelActive(context: ChannelHandlerContext) {
        reply("220 sink.bench ESMTP", context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        if inData {
            if line == "." {
                inData = false
                if let messageID { sink.received(messageID) }
                messageID = nil
                reply("250 2.0.0 accepted", context: context)
            } else if messageID == nil, line.lowercased().hasPrefix("message-id:") {
                messageID = line.dropFirst("message-id:".count).trimmingCharacters(in: CharacterSet(charactersIn: " <>"))
            }
            return
        }
        switch line.prefix(4).uppercased() {
        case "EHLO", "HELO": reply("250 sink.bench", context: context)
        case "MAIL", "RCPT", "RSET", "NOOP": reply("250 2.0.0 ok", context: context)
        case "DATA":
            inData = true
            reply("354 go on", context: context)
        case "QUIT":
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "221 bye\r\n"))).whenComplete { _ in bound.value.close(promise: nil) }
        default: reply("502 5.5.1 not here", context: context)
        }
    }

    private func reply(_ text: String, context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text + "\r\n")), promise: nil)
    }
}
