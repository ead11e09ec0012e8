import Foundation
import HandoverCore
import HandoverStore
import HandoverServices
import HandoverTrust
import HandoverWire
import Hummingbird

/// Signing keys, sign-offs and certificates of completion under /api/v1.
struct SignoffRoutes: Sendable {
    let handovers: HandoverService
    let audit: AuditService

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1")
        api.get("keys") { request, context in
            let actor = try context.requireMember()
            let member = request.uri.queryParameters["member"].map(String.init)
            return try JSONIO.response(ListResponse(items: try await handovers.signingKeys(memberID: member, by: actor)))
        }
        api.post("keys") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(EnrolKeyRequest.self, from: request, context: context)
            let (key, created) = try await handovers.enrolKey(body.envelope, origin: body.origin ?? "cli", by: actor)
            return try JSONIO.response(key, status: created ? .created : .ok)
        }
        api.delete("keys/:id") { _, context in
            let actor = try context.requireMember()
            try await handovers.revokeKey(id: try context.parameters.require("id"), by: actor)
            return Response(status: .noContent)
        }
        api.get("handovers/:id/signoffs") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(try await handovers.signoffStatus(id: try context.parameters.require("id"), by: actor))
        }
        api.get("handovers/:id/signoff-payload") { request, context in
            let actor = try context.requireMember()
            let role = try request.uri.queryParameters["role"].map { text in
                guard let role = SignoffRole(rawValue: String(text)) else {
                    throw APIError.badRequest("role must be one of \(SignoffRole.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                return role
            }
            let payload = try await handovers.signoffPayload(id: try context.parameters.require("id"), role: role, by: actor)
            let bytes = try payload.canonicalBytes()
            return try JSONIO.response(SignoffPayloadResponse(payloadType: SignoffPayload.type, payload: Data(bytes).base64EncodedString(), fields: payload))
        }
        api.post("handovers/:id/signoffs") { request, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            _ = try await handovers.handover(id: id, by: actor)
            let body = try await JSONIO.decode(SignoffRequest.self, from: request, context: context)
            let signoff = try await handovers.signoff(id: id, envelope: body.envelope, authentication: context.authenticationDescription, by: actor)
            return try JSONIO.response(signoff, status: .created)
        }
        api.get("handovers/:id/certificate") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(try await audit.certificate(handoverID: try context.parameters.require("id"), by: actor, handovers: handovers))
        }
    }
}

extension AppContext {
    /// How the caller signed in, as a certificate of completion shows it.
    var authenticationDescription: String {
        switch authentication {
        case .token(let id): "password sign-in, then API token \(id) (the CLI)"
        case .session: "password sign-in, browser session"
        case nil: "not signed in"
        }
    }
}
