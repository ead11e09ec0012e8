import AsyncHTTPClient
import Foundation
import HandoverCore
import HandoverServices
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// POSTs webhook deliveries with async-http-client: a 10 s timeout for the whole exchange, no
/// redirects followed (a 3xx is an answer like any other non-2xx, so a redirect cannot steer
/// the request inside the network), and at most `excerptLimit` bytes of the response read.
///
/// Unless private targets are allowed, the host is resolved before each POST and refused when
/// any of its addresses is loopback, private or link-local (`WebhookURL.isInternal`). The client
/// resolves again to connect, so a DNS answer that changes in between (rebinding) is not
/// excluded by this check alone: an egress firewall is the complete answer (Docs/Webhooks.md).
public struct WebhookHTTPTransport: WebhookTransport {
    let allowPrivate: Bool
    let timeout: TimeAmount
    static let excerptLimit = 256

    /// One client for the process, like `HTTPClient.shared` but never following a redirect. It
    /// lives as long as the process: a client released without `shutdown()` stops the process.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(10), read: .seconds(10))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// - Parameter timeout: for the whole exchange, connecting included.
    public init(allowPrivate: Bool, timeout: TimeAmount = .seconds(10)) {
        self.allowPrivate = allowPrivate
        self.timeout = timeout
    }

    public func post(url: String, headers: [(String, String)], body: [UInt8]) async throws -> WebhookResponse {
        if !allowPrivate {
            guard let host = URLComponents(string: url)?.host else { throw WebhookTransportError("the URL has no host") }
            if WebhookURL.isInternal(host: host) || Self.resolves(host: host, to: WebhookURL.isInternal(host:)) {
                throw WebhookTransportError("refused: the host resolves to a loopback, private or link-local address")
            }
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await Self.client.execute(request, timeout: timeout)
        } catch {
            throw WebhookTransportError(Self.describe(error))
        }
        var excerpt: [UInt8] = []
        do {
            for try await chunk in response.body {
                excerpt += chunk.readableBytesView.prefix(Self.excerptLimit - excerpt.count)
                if excerpt.count >= Self.excerptLimit { break }
            }
        } catch {
            // The status is the answer; a body cut short changes nothing.
        }
        let text = String(decoding: excerpt, as: UTF8.self)
        return WebhookResponse(status: Int(response.status.code), excerpt: text.isEmpty ? nil : text)
    }

    /// Whether any address `host` resolves to passes `test` (as text, for `WebhookURL`).
    static func resolves(host: String, to test: (String) -> Bool) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(list) }
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let entry = node {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if let address = entry.pointee.ai_addr,
                getnameinfo(address, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0
            {
                let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if test(text) { return true }
            }
            node = entry.pointee.ai_next
        }
        return false
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "timed out"
            default: return "\(error)"
            }
        }
        return String(describing: error)
    }
}

struct WebhookTransportError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
