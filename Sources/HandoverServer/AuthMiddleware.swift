import Foundation
import HandoverCore
import HandoverStore
import HandoverServices
import Hummingbird
import HTTPTypes

/// The session cookie's name.
let sessionCookieName = "handover_session"

extension ServerConfiguration {
    /// The session cookie: HttpOnly, SameSite=Lax, Secure behind TLS. An empty value signs out.
    func sessionCookie(_ value: String) -> Cookie {
        Cookie(
            name: sessionCookieName, value: value, maxAge: value.isEmpty ? 0 : Int(sessionLifetime), path: "/",
            secure: secureCookies, httpOnly: true, sameSite: .lax)
    }
}

/// Identifies the caller from a bearer token or a session cookie. A credential that is presented
/// but not valid is refused outright, so a client never mistakes an expired login for anonymous access.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let members: MemberService
    let bodyLimit: Int
    /// Recently checked credentials; logout and revocation in this process evict them.
    let credentials: CredentialCache

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        context.bodyLimit = bodyLimit
        // A scraper's bearer token is the metrics token, not an API token: the route checks it.
        if request.uri.path == "/metrics" { return try await next(request, context) }
        // An identity provider's bearer is a SCIM connection's token, not a member's: ScimRoutes checks it.
        // Its audit entries carry the request's id like every other change's.
        if request.uri.path.hasPrefix("/scim/") {
            return try await AuditContext.$requestID.withValue(context.requestID) { try await next(request, context) }
        }
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw APIError.unauthorized("Send the API token as 'Authorization: Bearer …'.")
            }
            let digest = Secrets.digest(String(parts[1]))
            guard
                let caller = try await credentials.caller(
                    for: Self.tokenKey(digest),
                    lookup: {
                        try await members.authenticate(tokenDigest: digest).map { Caller(member: $0.member, authentication: .token(id: $0.token.id)) }
                    })
            else {
                throw APIError.unauthorized("That API token is not valid or has been revoked; create a new one with 'handover login'.")
            }
            context.member = caller.member
            context.authentication = caller.authentication
        } else if let session = request.cookies[sessionCookieName]?.value {
            let digest = Secrets.digest(session)
            if let member = try await credentials.caller(
                for: Self.sessionKey(digest),
                lookup: {
                    try await members.authenticate(sessionDigest: digest).map { Caller(member: $0, authentication: .session(digest: digest)) }
                })?.member
            {
                // Cookies ride along on cross-site requests; a JSON body cannot be sent cross-site
                // without a CORS preflight, which this server never grants. Forms get CSRF tokens.
                if Self.isAPI(request) && request.method != .get && request.method != .head && !Self.isJSON(request) {
                    throw APIError.forbidden("Requests signed in with a browser session must send JSON (Content-Type: application/json).")
                }
                context.member = member
                context.authentication = .session(digest: digest)
                context.notes.sessionMember = member
            } else if Self.isAPI(request) && !Self.isPublic(request) {
                throw APIError.unauthorized("Your session has expired; sign in again.")
            }
        }
        // Every audit entry this request appends carries the request's id (who acted, the
        // services say explicitly).
        context.notes.memberID = context.member?.id
        return try await AuditContext.$requestID.withValue(context.requestID) { try await next(request, context) }
    }

    static func tokenKey(_ digest: String) -> String { "token:" + digest }
    static func sessionKey(_ digest: String) -> String { "session:" + digest }

    /// API requests get 401s; pages handle a missing sign-in themselves (by sending you to it).
    static func isAPI(_ request: Request) -> Bool { request.uri.path.hasPrefix("/api/") }

    static func isJSON(_ request: Request) -> Bool {
        request.headers[.contentType]?.lowercased().hasPrefix("application/json") ?? false
    }

    static func isPublic(_ request: Request) -> Bool {
        request.uri.path.hasSuffix("/auth/login") || request.uri.path.hasSuffix("/auth/logout")
    }
}

/// Who a credential belongs to, as the auth middleware found it.
struct Caller: Sendable {
    var member: Member
    var authentication: AppContext.Authentication
}

/// Valid credentials recently looked up, by digest. Only successes are kept, so a new
/// token or session works at once; a revoked one stops within the cache's TTL on other replicas
/// and at once on this one.
struct CredentialCache: Sendable {
    let cache: ReadCache<Caller>

    init(ttl: Duration) { cache = ReadCache(ttl: ttl) }

    func caller(for key: String, lookup: () async throws -> Caller?) async throws -> Caller? {
        if let hit = cache.value(for: key) { return hit }
        let generation = cache.generation
        guard let found = try await lookup() else { return nil }
        cache.store(found, for: key, readAt: generation)
        return found
    }

    func evict(_ key: String) { cache.evict(key) }
    func evictAll() { cache.evictAll() }
}
