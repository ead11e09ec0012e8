import Foundation
import HandoverCore
import Hummingbird
import NIOConcurrencyHelpers

/// Per-request context: who is calling, and how they proved it.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated caller, set by `AuthMiddleware`.
    public var member: Member?
    public var authentication: Authentication?
    /// The request body limit; set from the configuration by `AuthMiddleware`.
    public var bodyLimit = 1 << 20
    /// This request's id (the caller's tidy `X-Request-Id`, or a new one), set by the request
    /// log: echoed in the header, every audit entry, problem documents and error pages.
    public var requestID = ""
    /// What inner middleware learn that the request log, outermost, reports.
    public let notes = RequestNotes()

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

/// Shared by every copy of one request's context (contexts are values; this is a reference), so
/// the request log sees who the caller turned out to be.
public final class RequestNotes: Sendable {
    private let member = NIOLockedValueBox<String?>(nil)

    public var memberID: String? {
        get { member.withLockedValue { $0 } }
        set { member.withLockedValue { $0 = newValue } }
    }

    private let browser = NIOLockedValueBox<Member?>(nil)

    /// The member signed in with a browser session, so that an error page (rendered outside the
    /// auth middleware) keeps their navigation.
    public var sessionMember: Member? {
        get { browser.withLockedValue { $0 } }
        set { browser.withLockedValue { $0 = newValue } }
    }
}
