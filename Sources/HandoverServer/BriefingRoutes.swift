import Foundation
import HandoverCore
import HandoverServices
import HandoverStore
import HandoverWire
import Hummingbird

/// Briefings under /api/v1 (decode, call the briefing service, encode), the member's feed token,
/// and the feed itself at /calendar/{token}.ics: outside /api/v1 like the web pages, with no
/// sign-in (a calendar client has none); the token is the credential. The request log writes
/// the route template (`/calendar/{file}`), never the token.
struct BriefingRoutes: Sendable {
    let briefings: BriefingService

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1")
        api.get("handovers/:id/briefings") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await briefings.briefings(handoverID: try context.parameters.require("id"), by: actor)))
        }
        api.post("handovers/:id/briefings") { request, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            _ = try await briefings.briefings(handoverID: id, by: actor)
            let body = try await JSONIO.decode(ScheduleBriefingRequest.self, from: request, context: context)
            let briefing = try await briefings.schedule(
                handoverID: id, startsAt: body.startsAt, durationMinutes: body.durationMinutes, place: body.place, videoURL: body.videoURL,
                attendeeIDs: body.attendeeIDs, by: actor)
            return try JSONIO.response(briefing, status: .created)
        }
        api.get("briefings/:id") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(try await briefings.briefing(id: try context.parameters.require("id"), by: actor).briefing)
        }
        api.patch("briefings/:id") { request, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            _ = try await briefings.briefing(id: id, by: actor)
            let body = try await JSONIO.decode(MoveBriefingRequest.self, from: request, context: context)
            return try JSONIO.response(
                try await briefings.move(id: id, startsAt: body.startsAt, durationMinutes: body.durationMinutes, place: body.place, videoURL: body.videoURL, by: actor))
        }
        api.post("briefings/:id/cancel") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(try await briefings.cancel(id: try context.parameters.require("id"), by: actor))
        }
        api.post("briefings/:id/held") { request, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            _ = try await briefings.briefing(id: id, by: actor)
            let body = try await JSONIO.decode(BriefingHeldRequest.self, from: request, context: context)
            return try JSONIO.response(try await briefings.confirmHeld(id: id, minutes: body.minutes, covered: body.covered, stillOpen: body.stillOpen, by: actor))
        }
        api.post("me/calendar-feed") { _, context in
            let actor = try context.requireMember()
            let token = try await briefings.createFeed(by: actor)
            return try JSONIO.response(CalendarFeedResponse(url: briefings.feedURL(token: token)), status: .created)
        }
        api.delete("me/calendar-feed") { _, context in
            let actor = try context.requireMember()
            try await briefings.revokeFeed(by: actor)
            return Response(status: .noContent)
        }
        router.get("calendar/:file") { _, context in
            let file = try context.parameters.require("file")
            let missing = APIError(status: .notFound, type: "not-found", title: "Not found", detail: "No such calendar: the link is wrong or was revoked.")
            guard file.hasSuffix(".ics") else { throw missing }
            let calendar: ICalendar
            do {
                calendar = try await briefings.feed(token: String(file.dropLast(4)))
            } catch is StoreError {
                throw missing
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/calendar; charset=utf-8"
            headers[.cacheControl] = "private, no-store"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: calendar.text())))
        }
    }
}
