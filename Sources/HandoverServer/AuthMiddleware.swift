import Foundation
import HandoverCore
import HandoverStore
import Hummingbird

/// The session cookie's name.
let sessionCookieName = "handover_session"

/// Identifies the caller from a bearer token or a session cookie. A credential that is presented
/// but not valid is refused outright, so a client never mistakes an expired login for anonymous access.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let store: any HandoverStore
    let bodyLimit: Int

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        context.bodyLimit = bodyLimit
        let now = currentTime()
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw APIError.unauthorized("Send the API token as 'Authorization: Bearer …'.")
            }
            guard let found = try await store.authenticate(tokenDigest: Secrets.digest(String(parts[1])), at: now) else {
                throw APIError.unauthorized("That API token is not valid or has been revoked; create a new one with 'handover login'.")
            }
            context.member = found.member
            context.authentication = .token(id: found.token.id)
        } else if let session = request.cookies[sessionCookieName]?.value {
            let digest = Secrets.digest(session)
            if let member = try await store.authenticate(sessionDigest: digest, at: now) {
                // Cookies ride along on cross-site requests; a JSON body cannot be sent cross-site
                // without a CORS preflight, which this server never grants. Forms get CSRF tokens.
                if request.method != .get && request.method != .head && !Self.isJSON(request) {
                    throw APIError.forbidden("Requests signed in with a browser session must send JSON (Content-Type: application/json).")
                }
                context.member = member
                context.authentication = .session(digest: digest)
            } else if !Self.isPublic(request) {
                throw APIError.unauthorized("Your session has expired; sign in again.")
            }
        }
        return try await next(request, context)
    }

    static func isJSON(_ request: Request) -> Bool {
        request.headers[.contentType]?.lowercased().hasPrefix("application/json") ?? false
    }

    static func isPublic(_ request: Request) -> Bool {
        request.uri.path.hasSuffix("/auth/login") || request.uri.path.hasSuffix("/auth/logout")
    }
}
