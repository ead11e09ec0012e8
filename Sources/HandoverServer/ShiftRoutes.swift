import Foundation
import HandoverCore
import HandoverServices
import HandoverWire
import Hummingbird

/// Shift schedules under /api/v1/shift-schedules: decode, call `ShiftService`, encode. Every
/// rule is in the service.
struct ShiftRoutes: Sendable {
    let shifts: ShiftService

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1")
        api.post("shift-schedules") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(ShiftScheduleRequest.self, from: request, context: context)
            let schedule = try await shifts.create(body, by: actor)
            return try JSONIO.response(schedule, status: .created, headers: [.eTag: ETag.make(schedule.version)])
        }
        api.get("shift-schedules") { request, context in
            let actor = try context.requireMember()
            let accountID = request.uri.queryParameters["accountID"].map(String.init)
            return try JSONIO.response(ListResponse(items: try await shifts.schedules(accountID: accountID, by: actor)))
        }
        api.get("shift-schedules/:id") { _, context in
            let actor = try context.requireMember()
            let view = try await shifts.view(id: try context.parameters.require("id"), by: actor)
            return try JSONIO.response(
                ShiftScheduleResponse(
                    schedule: view.schedule, onShift: view.onShift, waitingOn: view.waitingOn,
                    nextChange: view.nextChange.map { ShiftScheduleResponse.Change(at: $0.at, from: $0.from, to: $0.to) }, overrides: view.overrides),
                headers: [.eTag: ETag.make(view.schedule.version)])
        }
        api.patch("shift-schedules/:id") { request, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            _ = try await shifts.schedule(id: id, by: actor)
            let body = try await JSONIO.decode(ShiftScheduleRequest.self, from: request, context: context)
            let schedule = try await shifts.update(id: id, body, expectedVersion: try ETag.expectedVersion(request), by: actor)
            return try JSONIO.response(schedule, headers: [.eTag: ETag.make(schedule.version)])
        }
        api.get("shift-schedules/:id/timeline") { request, context in
            let actor = try context.requireMember()
            let query = request.uri.queryParameters
            let from = try Self.instant(query["from"].map(String.init), "from")
            let to = try Self.instant(query["to"].map(String.init), "to")
            let segments = try await shifts.timeline(id: try context.parameters.require("id"), from: from, to: to, by: actor)
            return try JSONIO.response(ListResponse(items: segments))
        }
        api.get("shift-schedules/:id/changes") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await shifts.changes(id: try context.parameters.require("id"), by: actor)))
        }
        api.post("shift-schedules/:id/overrides") { request, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            _ = try await shifts.schedule(id: id, by: actor)
            let body = try await JSONIO.decode(ShiftOverrideRequest.self, from: request, context: context)
            return try JSONIO.response(try await shifts.addOverride(scheduleID: id, body, by: actor), status: .created)
        }
        api.delete("shift-schedules/:id/overrides/:override") { _, context in
            let actor = try context.requireMember()
            try await shifts.removeOverride(
                scheduleID: try context.parameters.require("id"), overrideID: try context.parameters.require("override"), by: actor)
            return Response(status: .noContent)
        }
    }

    /// An RFC 3339 instant from the query, or a 400 naming the parameter.
    static func instant(_ text: String?, _ name: String) throws -> Date? {
        guard let text else { return nil }
        guard let date = Timestamp.parse(text) else {
            throw APIError.badRequest(
                "\(name) must be an instant such as 2026-12-04T07:00:00Z.", errors: [Problem(path: name, message: "is not an RFC 3339 instant")])
        }
        return date
    }
}
