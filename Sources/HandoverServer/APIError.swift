import Foundation
import HandoverCore
import HandoverStore
import HandoverServices
import HandoverWire
import Hummingbird
import NIOCore
import Logging

/// An error the API answers with a specific status.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var type: String
    public var title: String
    public var detail: String
    public var errors: [Problem]? = nil
    public var findings: [Finding]? = nil
    public var score: Int? = nil
    /// The open handover that refused a new one (409 on create).
    public var openHandoverID: String? = nil
    public var headers: HTTPFields = [:]

    public static func badRequest(_ detail: String, errors: [Problem]? = nil) -> APIError {
        APIError(status: .badRequest, type: "bad-request", title: "Bad request", detail: detail, errors: errors)
    }
    public static func unauthorized(_ detail: String) -> APIError {
        APIError(
            status: .unauthorized, type: "unauthorized", title: "Not signed in", detail: detail,
            headers: [.wwwAuthenticate: "Bearer realm=\"handover\""])
    }
    public static func forbidden(_ detail: String) -> APIError {
        APIError(status: .forbidden, type: "forbidden", title: "Not allowed", detail: detail)
    }
    public static func notFound(_ what: String) -> APIError {
        APIError(status: .notFound, type: "not-found", title: "Not found", detail: "No \(what) with that id in your organization.")
    }
    public static func conflict(_ detail: String) -> APIError {
        APIError(status: .conflict, type: "conflict", title: "Conflict", detail: detail)
    }
    public static func preconditionFailed(_ detail: String) -> APIError {
        APIError(status: .preconditionFailed, type: "stale", title: "Changed since you read it", detail: detail)
    }
    public static func unsupportedMediaType(_ detail: String) -> APIError {
        APIError(status: .unsupportedMediaType, type: "unsupported-media-type", title: "Unsupported body", detail: detail)
    }
    public static func unprocessable(_ detail: String, errors: [Problem]? = nil) -> APIError {
        APIError(status: .unprocessableContent, type: "validation", title: "Invalid input", detail: detail, errors: errors)
    }
    /// Text that looks like a credential (422): each field with what it looks like, and what to do
    /// instead. Built from the findings alone, which never hold the value, so the answer cannot echo it.
    static func credentialInText(_ findings: [CredentialFinding]) -> APIError {
        let fields = findings.count == 1 ? "1 field" : "\(findings.count) fields"
        return APIError(
            status: .unprocessableContent, type: "credential", title: "Credential in plain text",
            detail: "Not saved: what looks like a credential in plain text, in \(fields). \(HandoverError.credentialAdvice)",
            errors: findings.map { Problem(path: $0.path, message: $0.looksLike, kind: $0.kind) })
    }
    /// The text rule (`TextRule`), for JSON bodies and forms alike.
    static func controlCharacter(in path: String, _ scalar: Unicode.Scalar) -> APIError {
        let problem = Problem(path: path, message: TextRule.complaint(scalar))
        return .badRequest("\(path) \(problem.message).", errors: [problem])
    }
    public static func tooManyRequests(_ detail: String, retryAfter: Int) -> APIError {
        APIError(
            status: .tooManyRequests, type: "throttled", title: "Too many attempts", detail: detail,
            headers: [.retryAfter: String(retryAfter)])
    }

    var problem: ProblemDetails {
        ProblemDetails(
            type: "https://handover.dev/problems/\(type)", title: title, status: Int(status.code), detail: detail,
            errors: errors.map { Array($0.prefix(ProblemDetails.listLimit)) }, errorCount: errors?.count,
            findings: findings.map { Array($0.prefix(ProblemDetails.listLimit)) }, findingCount: findings?.count, score: score,
            openHandoverID: openHandoverID)
    }
}

extension APIError {
    /// Maps any error to the API's answer. Unknown errors become a 500 that reveals nothing.
    static func from(_ error: any Error, ifMatchSent: Bool = false) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as DepartureError:
            switch error {
            // A distinct type and status from "key in use": retrying never fixes a plan's conflicts.
            case .planConflicts(let message, let problems):
                return APIError(
                    status: .unprocessableContent, type: "departure-conflicts", title: "The plan has conflicts", detail: message, errors: problems)
            case .keyInProgress(let seconds):
                return APIError(
                    status: .conflict, type: "idempotency-key-in-use", title: "Request in progress", detail: error.message,
                    headers: [.retryAfter: String(seconds)])
            }
        case let error as HandoverError:
            switch error {
            case .invalidTransition: return .conflict(error.message)
            case .notPermitted: return .forbidden(error.message)
            case .lintBlocked(let report):
                var api = APIError.unprocessable(error.message)
                api.type = "lint"
                api.title = "Not ready to submit"
                api.findings = report.findings
                api.score = report.score
                return api
            case .invalid(let problems): return .unprocessable(error.message, errors: problems)
            case .openHandoverExists(_, let handoverID):
                var api = APIError.conflict(error.message)
                api.openHandoverID = handoverID
                return api
            case .accountOwnerChanged, .signoffsMissing, .conflict: return .conflict(error.message)
            case .credentialInText(let findings): return .credentialInText(findings)
            case .accessPlanOpen(let open):
                var answer = APIError.conflict(error.message)
                answer.errors = open
                return answer
            }
        case let error as StoreError:
            switch error {
            case .notFound(let what): return .notFound(what)
            case .conflict(let detail): return .conflict(detail)
            case .stale(let detail):
                return ifMatchSent ? .preconditionFailed(detail) : .conflict("\(detail); someone else changed it at the same time. Reload and try again.")
            case .damaged(let detail):
                return APIError(status: .internalServerError, type: "damaged", title: "Stored data is damaged", detail: detail)
            case .unavailable, .configuration:
                return APIError(
                    status: .serviceUnavailable, type: "unavailable", title: "Storage unavailable", detail: "The database is not reachable right now; try again shortly.")
            }
        case let error as HTTPError:
            switch error.status {
            case .notFound: return APIError(status: .notFound, type: "not-found", title: "Not found", detail: "No such route.")
            case .contentTooLarge: return .tooLarge
            case .methodNotAllowed:
                return APIError(status: .methodNotAllowed, type: "method-not-allowed", title: "Method not allowed", detail: "This route does not take that method.")
            default: return APIError(status: error.status, type: "http", title: error.status.reasonPhrase, detail: error.body ?? error.status.reasonPhrase)
            }
        case is NIOTooManyBytesError:
            return .tooLarge
        default:
            return APIError(status: .internalServerError, type: "internal", title: "Internal error", detail: "Something went wrong on our side; it has been logged.")
        }
    }

    static let tooLarge = APIError(status: .contentTooLarge, type: "too-large", title: "Body too large", detail: "The request body is larger than this server accepts.")
}

/// Turns every error thrown by a route into problem+json.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AppContext

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var api = APIError.from(error, ifMatchSent: request.headers[.ifMatch] != nil)
            if api.status == .preconditionFailed, let reason = ETag.whyNoMatch(request) { api.detail = reason }
            if api.status == .internalServerError {
                // The type only: error descriptions can carry bound values, which may be secrets.
                context.logger.error(
                    "internal error",
                    metadata: [
                        "error.type": "\(type(of: error))", "route": "\(context.endpointPath ?? "unmatched")",
                        "request_id": "\(context.requestID)",
                    ])
            }
            if !AuthMiddleware.isAPI(request) && !["/healthz", "/readyz"].contains(request.uri.path) {
                // A signed-in browser keeps its navigation on an error page: no dead end.
                var viewer: Viewer? = nil
                if let member = context.notes.sessionMember, let csrf = CSRF.token(for: request) {
                    viewer = Viewer(member: member, csrf: csrf)
                }
                return ErrorPage.response(for: api, requestID: context.requestID, viewer: viewer)
            }
            return Self.response(for: api, requestID: context.requestID)
        }
    }

    static func response(for api: APIError, requestID: String? = nil) -> Response {
        var problem = api.problem
        problem.instance = requestID.flatMap { $0.isEmpty ? nil : $0 }
        let body = (try? WireJSON.encoder.encode(problem)) ?? Data("{}".utf8)
        var headers = api.headers
        headers[.contentType] = WireJSON.problemContentType
        return Response(status: api.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
