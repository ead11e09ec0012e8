import AsyncHTTPClient
import Foundation
import HandoverCore
import HandoverServices
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// POSTs webhook deliveries with async-http-client: a 10 s timeout for the whole exchange, no
/// redirects followed (a 3xx is an answer like any other non-2xx, so a redirect cannot steer
/// the request inside the network), and at most `excerptLimit` bytes of the response read.
///
/// The host is resolved once, off Swift's cooperative pool and with a time limit; unless private
/// targets are allowed, the POST is refused when the lookup fails or any address is internal
/// (`WebhookURL.isInternal(address:)`). The client then connects to the address that was checked
/// (`dnsOverride`, which keeps the name for the Host header, TLS SNI and certificate checks), so a
/// DNS answer that changes in between (rebinding) is never used.
public struct WebhookHTTPTransport: WebhookTransport {
    /// The addresses (4 or 16 bytes) a name resolves to; throws when it does not resolve.
    public typealias Resolver = @Sendable (_ host: String, _ timeout: Duration) async throws -> [[UInt8]]

    let allowPrivate: Bool
    let timeout: TimeAmount
    let resolve: Resolver
    static let excerptLimit = 256
    static let lookupTimeout: Duration = .seconds(5)

    /// - Parameters:
    ///   - timeout: for the whole exchange, connecting included.
    ///   - resolver: how names are resolved (tests give their own); `getaddrinfo` on a Dispatch thread.
    public init(allowPrivate: Bool, timeout: TimeAmount = .seconds(10), resolver: @escaping Resolver = WebhookHTTPTransport.systemResolve) {
        self.allowPrivate = allowPrivate
        self.timeout = timeout
        self.resolve = resolver
    }

    public func post(url: String, headers: [(String, String)], body: [UInt8]) async throws -> WebhookResponse {
        guard let host = WebhookURL.host(of: url) else { throw WebhookTransportError("not sent: the URL has no host") }
        // The client connects to exactly this address: a literal as written, or the name's checked answer.
        var override: [String: String] = [:]
        switch WebhookURL.literal(host) {
        case .some(.refused):
            throw WebhookTransportError("not sent: the host is a numeric form that is not a plain IP address")
        case .some(.address(let bytes)):
            if !allowPrivate && WebhookURL.isInternal(address: bytes) { throw Self.refusedInternal }
        case .none:
            if !allowPrivate && WebhookURL.isLocalName(host) { throw Self.refusedInternal }
            let addresses: [[UInt8]]
            do {
                addresses = try await resolve(host, Self.lookupTimeout)
            } catch {
                throw WebhookTransportError("not sent: the host name could not be resolved")
            }
            guard let first = addresses.first, let pinned = Self.text(first) else {
                throw WebhookTransportError("not sent: the host name could not be resolved")
            }
            if !allowPrivate && addresses.contains(where: WebhookURL.isInternal(address:)) { throw Self.refusedInternal }
            override[host] = pinned
        }
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(10), read: .seconds(10))
        configuration.dnsOverride = override
        // A client per POST: the pinned address is client configuration. It shares the process's
        // event loops, so it costs a connection (no reuse), not a thread.
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let outcome: Result<WebhookResponse, WebhookTransportError>
        do {
            outcome = .success(try await exchange(client, url: url, headers: headers, body: body))
        } catch {
            outcome = .failure(Self.describe(error))
        }
        try? await client.shutdown()
        return try outcome.get()
    }

    private func exchange(_ client: HTTPClient, url: String, headers: [(String, String)], body: [UInt8]) async throws -> WebhookResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: timeout)
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

    static let refusedInternal = WebhookTransportError("not sent: the host is or resolves to a loopback, private, link-local or reserved address")

    /// `getaddrinfo` on a Dispatch thread, so a resolver that never answers blocks neither the
    /// cooperative pool nor NIO's; after `timeout` the delivery goes on without it (the thread
    /// finishes the lookup on its own and its answer is dropped).
    public static let systemResolve: Resolver = { host, timeout in
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[[UInt8]], any Error>) in
            let once = LookupOutcome(continuation)
            DispatchQueue.global(qos: .utility).async { once.finish(Result { try lookup(host) }) }
            Task {
                try? await Task.sleep(for: timeout)
                once.finish(.failure(WebhookTransportError("the lookup timed out")))
            }
        }
    }

    /// Resumes a lookup's continuation once: with the answer or the timeout, whichever comes first.
    final class LookupOutcome: Sendable {
        private let pending: Mutex<CheckedContinuation<[[UInt8]], any Error>?>

        init(_ continuation: CheckedContinuation<[[UInt8]], any Error>) { pending = Mutex(continuation) }

        func finish(_ result: Result<[[UInt8]], any Error>) {
            let continuation = pending.withLock { pending in
                let taken = pending
                pending = nil
                return taken
            }
            continuation?.resume(with: result)
        }
    }

    static func lookup(_ host: String) throws -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { throw WebhookTransportError("the name does not resolve") }
        defer { freeaddrinfo(list) }
        var addresses: [[UInt8]] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let entry = node {
            if let address = entry.pointee.ai_addr {
                switch Int32(address.pointee.sa_family) {
                case AF_INET:
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                        var raw = v4.pointee.sin_addr
                        addresses.append(withUnsafeBytes(of: &raw) { Array($0) })
                    }
                case AF_INET6:
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                        var raw = v6.pointee.sin6_addr
                        addresses.append(withUnsafeBytes(of: &raw) { Array($0) })
                    }
                default: break
                }
            }
            node = entry.pointee.ai_next
        }
        guard !addresses.isEmpty else { throw WebhookTransportError("the name has no IP address") }
        return addresses
    }

    /// An address as `inet_ntop` writes it (what the client's `dnsOverride` takes).
    static func text(_ bytes: [UInt8]) -> String? {
        let family = bytes.count == 4 ? AF_INET : bytes.count == 16 ? AF_INET6 : -1
        guard family != -1 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let written = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) }
        guard written != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// What the delivery log keeps: whether it timed out, not the network's error text, which
    /// would tell an admin which ports answer where (a port scanner through the log).
    static func describe(_ error: any Error) -> WebhookTransportError {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return WebhookTransportError("no answer in time")
            default: break
            }
        }
        return WebhookTransportError("could not connect or the connection failed")
    }
}

struct WebhookTransportError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
