import Foundation
import NIOCore

/// One SMTP reply (RFC 5321 4.2): a three-digit code and its text lines (several for a
/// multi-line reply such as EHLO's).
public struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    public var text: String { lines.joined(separator: " ") }
    public var description: String { text.isEmpty ? "\(code)" : "\(code) \(text)" }
    /// 2xx and 3xx: go on.
    public var isPositive: Bool { (200..<400).contains(code) }
}

/// Why a message did not go out. The text names the server's reply code and words where there
/// was one, and never a password (AUTH commands are named, not quoted).
public enum SMTPError: Error, Equatable, CustomStringConvertible {
    /// The server answered `reply` to `command`.
    case rejected(command: String, reply: SMTPReply)
    case timedOut(waitingFor: String, seconds: TimeInterval)
    case connectFailed(host: String, port: Int, reason: String)
    case closed(waitingFor: String)
    case malformedReply(String)
    /// starttls=required (or AUTH) needs TLS and the server does not offer STARTTLS.
    case startTLSNotOffered
    /// Credentials are configured but the server offers neither AUTH PLAIN nor LOGIN.
    case noUsableAuth(offered: String)
    /// Credentials are configured and the connection has no TLS (not allowed unless auth=plain-ok).
    case authWithoutTLS
    case tls(String)

    /// A 5xx reply: the server says this message will never be accepted as it is, so retrying
    /// it is pointless. Everything else (4xx, timeouts, lost connections, TLS trouble) may pass.
    public var isPermanent: Bool {
        if case .rejected(_, let reply) = self { return (500..<600).contains(reply.code) }
        return false
    }

    /// The server's reply, when the failure was one.
    public var reply: SMTPReply? {
        if case .rejected(_, let reply) = self { return reply }
        return nil
    }

    public var description: String {
        switch self {
        case .rejected(let command, let reply): "the SMTP server answered \(reply) to \(command)"
        case .timedOut(let waitingFor, let seconds): "the SMTP server did not answer \(waitingFor) within \(String(format: "%g", seconds)) s"
        case .connectFailed(let host, let port, let reason): "could not connect to the SMTP server at \(host):\(port): \(reason)"
        case .closed(let waitingFor): "the SMTP server closed the connection while Handover waited for \(waitingFor)"
        case .malformedReply(let line): "the SMTP server's reply is not SMTP: \"\(line.prefix(200))\""
        case .startTLSNotOffered: "the SMTP server does not offer STARTTLS, and HANDOVER_SMTP_URL requires it (starttls=required)"
        case .noUsableAuth(let offered): "the SMTP server offers no AUTH mechanism Handover speaks (PLAIN, LOGIN); it offers: \(offered.isEmpty ? "none" : offered)"
        case .authWithoutTLS:
            "the connection to the SMTP server has no TLS, so Handover will not send the password over it (use TLS; auth=plain-ok is for loopback tests)"
        case .tls(let reason): "TLS with the SMTP server failed: \(reason)"
        }
    }
}

/// Bytes to replies: collects the lines of a (multi-line, "250-…") reply until its last line
/// ("250 …"). A reply longer than 64 KiB is refused rather than buffered without end.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        var start = view.startIndex, lines: [String] = []
        while let newline = view[start...].firstIndex(of: UInt8(ascii: "\n")) {
            var end = newline
            if end > start, view[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let line = String(decoding: view[start..<end], as: UTF8.self)
            start = newline + 1
            let digits = line.prefix(3)
            guard digits.count == 3, digits.allSatisfy(\.isASCII), let code = Int(digits), (200...599).contains(code) else { throw SMTPError.malformedReply(line) }
            let separator = line.dropFirst(3).first
            guard separator == nil || separator == " " || separator == "-" else { throw SMTPError.malformedReply(line) }
            lines.append(String(line.dropFirst(4)))
            if separator == "-" { continue }
            buffer.moveReaderIndex(forwardBy: start - view.startIndex)
            context.fireChannelRead(wrapInboundOut(SMTPReply(code: code, lines: lines)))
            return .continue
        }
        if buffer.readableBytes > 65_536 { throw SMTPError.malformedReply("a reply longer than 64 KiB") }
        return .needMoreData
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}

/// Turns `IdleStateHandler`'s "nothing read for a while" into an error on the reply stream and
/// closes the connection: the timeout on every reply.
final class ReplyTimeoutHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    struct Fired: Error {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            context.fireErrorCaught(Fired())
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
