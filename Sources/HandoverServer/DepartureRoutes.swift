import Foundation
import HTTPTypes
import HandoverCore
import HandoverServices
import HandoverWire
import Hummingbird

/// Departures and member deactivation under /api/v1: decode, call `DepartureService` or
/// `MemberService`, encode. Every rule is in the services.
struct DepartureRoutes: Sendable {
    let departures: DepartureService
    let members: MemberService
    let credentials: CredentialCache

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1")
        api.post("members/:id/deactivate") { _, context in
            let actor = try context.requireMember()
            // Cached credentials of the member must not outlive the revocation.
            defer { credentials.evictAll() }
            return try JSONIO.response(try await members.deactivate(memberID: try context.parameters.require("id"), by: actor))
        }
        api.post("members/:id/reactivate") { _, context in
            let actor = try context.requireMember()
            defer { credentials.evictAll() }
            return try JSONIO.response(try await members.reactivate(memberID: try context.parameters.require("id"), by: actor))
        }
        api.post("departures/preview") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(DepartureRequest.self, from: request, context: context)
            return try JSONIO.response(try await departures.preview(body, by: actor))
        }
        api.post("departures") { request, context in
            let actor = try context.requireMember()
            let key = try Self.key(request)
            let body = try await JSONIO.decode(DepartureRequest.self, from: request, context: context)
            // One that deactivates the leaver: their cached credentials must not outlive it.
            defer { if body.deactivate { credentials.evictAll() } }
            return Self.response(try await departures.apply(body, idempotencyKey: key, by: actor))
        }
        api.get("departures") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await departures.departures(by: actor)))
        }
        api.get("departures/:id") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(try await departures.departure(id: try context.parameters.require("id"), by: actor))
        }
        api.delete("departures/:id") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(try await departures.cancel(id: try context.parameters.require("id"), by: actor))
        }
    }

    /// An idempotent apply's stored bytes, with `Idempotent-Replayed: true` when replayed.
    static func response(_ answer: IdempotentResponse) -> Response {
        var headers: HTTPFields = [.contentType: WireJSON.contentType]
        if answer.replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: answer.body)))
    }

    /// The optional `Idempotency-Key`: 1 to 255 printable characters.
    static func key(_ request: Request) throws -> String? {
        guard let key = request.headers[idempotencyKey] else { return nil }
        guard !key.isEmpty, key.count <= 255, key.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0.asciiValue.map { $0 >= 0x21 && $0 < 0x7f } ?? false }) else {
            throw APIError.badRequest("Idempotency-Key must be 1 to 255 printable ASCII characters without spaces.", errors: [])
        }
        return key
    }
}
