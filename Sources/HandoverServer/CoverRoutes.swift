import Foundation
import HandoverCore
import HandoverServices
import HandoverWire
import Hummingbird

/// Covers under /api/v1: decode, call `CoverService`, encode. Every rule is in the service.
struct CoverRoutes: Sendable {
    let covers: CoverService

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1")
        api.post("covers") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(CoverRequest.self, from: request, context: context)
            return try JSONIO.response(try await covers.start(body, by: actor), status: .created)
        }
        api.get("covers") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await covers.covers(by: actor)))
        }
        api.get("covers/:id") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(try await covers.cover(id: try context.parameters.require("id"), by: actor))
        }
        api.post("covers/:id/end") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(try await covers.end(id: try context.parameters.require("id"), by: actor).cover)
        }
    }
}
