import Foundation
import Hummingbird
import HTTPTypes

/// 405 with `Allow` (RFC 9110 15.5.6) when a path names a route but not with the request's method:
/// Hummingbird's router answers 404 for both. Added after every route, so it wraps only the router's
/// not-found responder (a router middleware applies to the endpoints added after it).
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let routes: RouteMethods

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        if let allowed = routes.methods(for: request.uri.path), !allowed.contains(request.method) {
            throw APIError.methodNotAllowed(allowed)
        }
        return try await next(request, context)
    }
}

/// The methods each route path takes, to answer "which methods would this path take?".
struct RouteMethods: Sendable {
    /// A route's path split into segments (a `:name` segment matches any one segment), with its methods.
    let routes: [(segments: [Substring], methods: [HTTPRequest.Method])]

    /// `headForGet`: the router answers HEAD wherever it answers GET (`.autoGenerateHeadEndpoints`).
    init(_ descriptions: [Router<AppContext>.RouteDescription], headForGet: Bool) {
        var byPath: [String: [HTTPRequest.Method]] = [:]
        for route in descriptions { byPath[route.path.description, default: []].append(route.method) }
        routes = byPath.map { path, methods in
            var methods = methods
            if headForGet && methods.contains(.get) && !methods.contains(.head) { methods.append(.head) }
            return (path.split(separator: "/"), methods.sorted { $0.rawValue < $1.rawValue })
        }
    }

    /// The methods of the route the router would pick for this path, or nil when no route has it.
    /// Like the router's trie, a literal segment wins over a parameter, the leftmost difference first.
    func methods(for path: String) -> [HTTPRequest.Method]? {
        let segments = path.split(separator: "/")
        var best: (segments: [Substring], methods: [HTTPRequest.Method])?
        for route in routes where route.segments.count == segments.count && Self.matches(route.segments, segments) {
            if let current = best, !Self.isMoreSpecific(route.segments, than: current.segments) { continue }
            best = route
        }
        return best?.methods
    }

    static func matches(_ pattern: [Substring], _ segments: [Substring]) -> Bool {
        zip(pattern, segments).allSatisfy { isParameter($0) || $0 == $1 }
    }

    static func isMoreSpecific(_ lhs: [Substring], than rhs: [Substring]) -> Bool {
        for (left, right) in zip(lhs, rhs) where isParameter(left) != isParameter(right) {
            return !isParameter(left)
        }
        return false
    }

    static func isParameter(_ segment: Substring) -> Bool { segment.hasPrefix(":") || segment.hasPrefix("{") || segment == "*" }
}

extension APIError {
    static func methodNotAllowed(_ allowed: [HTTPRequest.Method]) -> APIError {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(
            status: .methodNotAllowed, type: "method-not-allowed", title: "Method not allowed",
            detail: "This route takes \(list).", headers: [.allow: list])
    }
}
