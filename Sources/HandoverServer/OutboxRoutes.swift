import Foundation
import HandoverCore
import HandoverServices
import HandoverWire
import Hummingbird

/// The mail outbox: GET /api/v1/outbox (the organization's for admins, else the messages of
/// handovers the caller may see) and GET /api/v1/handovers/{id}/outbox.
struct OutboxRoutes: Sendable {
    let outbox: OutboxService

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1")
        api.get("outbox") { request, context in
            let actor = try context.requireMember()
            let query = try Self.query(request)
            let items = try await outbox.messages(
                handoverID: request.uri.queryParameters["handover"].map(String.init), state: query.state, limit: query.limit, by: actor)
            return try JSONIO.response(ListResponse(items: items.map(OutboxMessageResponse.init)))
        }
        api.get("handovers/:id/outbox") { request, context in
            let actor = try context.requireMember()
            let query = try Self.query(request)
            let items = try await outbox.messages(handoverID: try context.parameters.require("id"), state: query.state, limit: query.limit, by: actor)
            return try JSONIO.response(ListResponse(items: items.map(OutboxMessageResponse.init)))
        }
    }

    /// `state` (queued, sent or failed) and `limit` (1 to 1000, default 100).
    static func query(_ request: Request) throws -> (state: OutboxState?, limit: Int) {
        let parameters = request.uri.queryParameters
        var state: OutboxState?
        if let text = parameters["state"].map(String.init) {
            guard let parsed = OutboxState(rawValue: text) else {
                throw APIError.badRequest(
                    "state must be one of \(OutboxState.allCases.map(\.rawValue).joined(separator: ", ")).", errors: [Problem(path: "state", message: "not a state")])
            }
            state = parsed
        }
        var limit = 100
        if let text = parameters["limit"].map(String.init) {
            guard let number = Int(text), (1...1000).contains(number) else {
                throw APIError.badRequest("limit must be 1 to 1000.", errors: [Problem(path: "limit", message: "not 1 to 1000")])
            }
            limit = number
        }
        return (state, limit)
    }
}
