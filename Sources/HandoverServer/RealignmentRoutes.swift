import Foundation
import HTTPTypes
import HandoverCore
import HandoverServices
import HandoverWire
import Hummingbird

/// Realignments under /api/v1: decode, call `RealignmentService`, encode. Every rule is in the service.
struct RealignmentRoutes: Sendable {
    let realignments: RealignmentService

    /// The CSV travels inside the JSON body (or a form), so these bodies may be larger than the
    /// server's usual limit: the CSV's own limit plus room for escaping (`\u00e9` or `%C3%A9`
    /// is six bytes for two). Only for someone who may realign: the role is checked first.
    static let bodyLimit = RealignmentService.maxCSVBytes * 4

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1")
        api.post("realignments/preview") { request, context in
            let actor = try context.requireMember()
            try realignments.mayRealign(actor)
            let body = try await JSONIO.decode(RealignmentRequest.self, from: request, context: context, limit: Self.bodyLimit)
            return try JSONIO.response(try await realignments.preview(body, by: actor))
        }
        api.post("realignments") { request, context in
            let actor = try context.requireMember()
            try realignments.mayRealign(actor)
            let key = try DepartureRoutes.key(request)
            let body = try await JSONIO.decode(RealignmentRequest.self, from: request, context: context, limit: Self.bodyLimit)
            return DepartureRoutes.response(try await realignments.apply(body, idempotencyKey: key, by: actor))
        }
        api.get("realignments") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await realignments.realignments(by: actor)))
        }
        api.get("realignments/:id") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(try await realignments.realignment(id: try context.parameters.require("id"), by: actor))
        }
        api.get("realignments/:id/handovers") { _, context in
            let actor = try context.requireMember()
            let handovers = try await realignments.handovers(realignmentID: try context.parameters.require("id"), by: actor)
            return try JSONIO.response(ListResponse(items: handovers))
        }
    }
}
