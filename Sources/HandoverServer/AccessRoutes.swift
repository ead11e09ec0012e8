import Foundation
import HandoverCore
import HandoverServices
import HandoverWire
import Hummingbird

/// Access grants, handovers' access plans and the lingering-access report under /api/v1: decode,
/// call `AccessService`, encode. Every rule is in the service.
struct AccessRoutes: Sendable {
    let access: AccessService

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1")
        api.get("accounts/:id/access-grants") { request, context in
            let actor = try context.requireMember()
            let state = try Self.choice(request.uri.queryParameters["state"].map(String.init), "state", AccessGrantState.self) ?? .all
            return try JSONIO.response(ListResponse(items: try await access.grants(accountID: try context.parameters.require("id"), state: state, by: actor)))
        }
        api.post("accounts/:id/access-grants") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(CreateAccessGrantRequest.self, from: request, context: context)
            let grant = try await access.addGrant(
                accountID: try context.parameters.require("id"), system: body.system, role: body.role, holderID: body.holderID, holderName: body.holderName,
                grantedOn: body.grantedOn, note: body.note, by: actor)
            return try JSONIO.response(grant, status: .created)
        }
        api.get("access-grants/:id") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(try await access.grant(id: try context.parameters.require("id"), by: actor))
        }
        api.patch("access-grants/:id") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(UpdateAccessGrantRequest.self, from: request, context: context)
            return try JSONIO.response(
                try await access.editGrant(
                    id: try context.parameters.require("id"), system: body.system, role: body.role, grantedOn: body.grantedOn, note: body.note,
                    expectedVersion: body.version, by: actor))
        }
        api.post("access-grants/:id/revoke") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(RevokeAccessGrantRequest.self, from: request, context: context)
            return try JSONIO.response(
                try await access.revokeGrant(id: try context.parameters.require("id"), revokedOn: body.revokedOn, evidence: body.evidence, by: actor))
        }
        api.get("handovers/:id/access-plan") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(Self.response(try await access.plan(handoverID: try context.parameters.require("id"), by: actor)))
        }
        api.post("handovers/:id/access-plan/draw") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(Self.response(try await access.draw(handoverID: try context.parameters.require("id"), by: actor)))
        }
        api.post("handovers/:id/access-plan") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(AddAccessPlanLineRequest.self, from: request, context: context)
            let line = try await access.addLine(
                handoverID: try context.parameters.require("id"), kind: body.kind, system: body.system, role: body.role, memberID: body.memberID,
                grantID: body.grantID, by: actor)
            return try JSONIO.response(line, status: .created)
        }
        api.delete("handovers/:id/access-plan/:line") { _, context in
            let actor = try context.requireMember()
            try await access.dropLine(handoverID: try context.parameters.require("id"), lineID: try context.parameters.require("line"), by: actor)
            return Response(status: .noContent)
        }
        api.post("handovers/:id/access-plan/:line/confirm") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(SettleAccessPlanLineRequest.self, from: request, context: context)
            return try JSONIO.response(
                try await access.settleLine(
                    handoverID: try context.parameters.require("id"), lineID: try context.parameters.require("line"), status: body.status ?? .confirmed,
                    evidence: body.evidence, reason: body.reason, by: actor))
        }
        api.get("access-lingering") { request, context in
            let actor = try context.requireMember()
            let query = request.uri.queryParameters
            func nonEmpty(_ key: String) -> String? { query[key[...]].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
            let report = try await access.lingering(accountID: nonEmpty("account"), memberID: nonEmpty("member"), by: actor)
            return try JSONIO.response(ListResponse(items: report.items.map { LingeringAccessResponse($0, asOf: report.asOf) }))
        }
    }

    static func response(_ plan: AccessService.Plan) -> AccessPlanResponse {
        AccessPlanResponse(handoverID: plan.handover.id, gate: plan.gate, lines: plan.lines, open: plan.open)
    }

    /// A query parameter that must be one of an enum's values: 400 naming them otherwise.
    static func choice<T: RawRepresentable & CaseIterable>(_ text: String?, _ name: String, _: T.Type) throws -> T? where T.RawValue == String {
        guard let text else { return nil }
        guard let value = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIError.badRequest("\(name) must be one of \(allowed).", errors: [Problem(path: name, message: "must be one of \(allowed)")])
        }
        return value
    }
}
