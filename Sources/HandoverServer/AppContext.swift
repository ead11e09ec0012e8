import Foundation
import HandoverCore
import Hummingbird

/// Per-request context: who is calling, and how they proved it.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated caller, set by `AuthMiddleware`.
    public var member: Member?
    public var authentication: Authentication?
    /// The request body limit; set from the configuration by `AuthMiddleware`.
    public var bodyLimit = 1 << 20

    public enum Authentication: Sendable {
        case token(id: String)
        case session(digest: String)
    }

    /// The peer's IP address, for the per-address sign-in limit. No proxy header is trusted:
    /// behind a reverse proxy every guess counts against the proxy's address.
    public var sourceAddress: String?

    public init(source: Source) {
        coreContext = .init(source: source)
        sourceAddress = source.channel.remoteAddress?.ipAddress
    }

    public var maxUploadSize: Int { bodyLimit }

    /// The caller, or 401.
    public func requireMember() throws -> Member {
        guard let member else { throw APIError.unauthorized("Sign in, or send an API token as 'Authorization: Bearer …'.") }
        return member
    }
}
