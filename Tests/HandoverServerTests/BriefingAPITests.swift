import Foundation
import HandoverCore
@testable import HandoverServer
import HandoverStore
import HandoverTestSupport
import HandoverWire
import Hummingbird
import HummingbirdTesting
import Testing

/// The briefing endpoints and the calendar feed over HTTP (in process): status codes, problem
/// documents, another organization's ids, and a feed token that never reaches the request log.
@Suite struct BriefingAPITests {
    @Test func scheduleMoveCancelAndTheFeedOverTheAPI() async throws {
        let f = try await APIFixture.make()
        let account = try await f.org.account(f.org.alice, in: f.store)
        let handover = try await f.org.handover(of: account, to: f.org.bob, in: f.store)
        let logs = CapturedLogs()
        let future = Timestamp.format(Date().addingTimeInterval(86400 * 2))
        try await f.test(logger: logs.logger) { client in
            // Bad input: 422 with the field, nothing stored.
            for (json, path) in [
                (#"{"startsAt": "2020-01-01T10:00:00Z", "durationMinutes": 30, "place": "Room"}"#, "startsAt"),
                (#"{"startsAt": "\#(future)", "durationMinutes": 30, "place": "Room 2\r\nBcc: x@example.com"}"#, "place"),
                (#"{"startsAt": "\#(future)", "durationMinutes": 30, "videoURL": "file:///etc/passwd"}"#, "videoURL"),
                (#"{"startsAt": "\#(future)", "durationMinutes": 30, "place": "Room", "attendeeIDs": ["\#(f.other.alice.id)"]}"#, "attendeeIDs[0]"),
            ] {
                try await client.execute(
                    uri: "/api/v1/handovers/\(handover.id)/briefings", method: .post, headers: f.headers(f.org.alice), body: body(json)
                ) { r in
                    #expect(r.status == .unprocessableContent, "\(json)")
                    #expect(r.problem?.errors?.map(\.path) == [path], "\(json)")
                }
            }
            let scheduled = try await client.execute(
                uri: "/api/v1/handovers/\(handover.id)/briefings", method: .post, headers: f.headers(f.org.alice),
                body: body(#"{"startsAt": "\#(future)", "durationMinutes": 45, "place": "Room 2", "attendeeIDs": ["\#(f.org.carol.id)"]}"#)
            ) { r in
                #expect(r.status == .created)
                return try r.decode(Briefing.self)
            }
            #expect(scheduled.sequence == 0 && scheduled.attendeeIDs == [f.org.alice.id, f.org.bob.id, f.org.carol.id])
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/briefings", method: .get, headers: f.headers(f.org.bob)) { r in
                let list = try r.decode(ListResponse<Briefing>.self)
                #expect(r.status == .ok && list.items.map(\.id) == [scheduled.id])
            }
            // Another organization: not found, whoever asks.
            try await client.execute(uri: "/api/v1/briefings/\(scheduled.id)", method: .get, headers: f.headers(f.other.admin)) { r in
                #expect(r.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/briefings/\(scheduled.id)/cancel", method: .post, headers: f.headers(f.other.admin)) { r in
                #expect(r.status == .notFound)
            }
            try await client.execute(
                uri: "/api/v1/briefings/\(scheduled.id)", method: .patch, headers: f.headers(f.org.bob), body: body(#"{"durationMinutes": 60}"#)
            ) { r in
                let moved = try r.decode(Briefing.self)
                #expect(r.status == .ok && moved.sequence == 1)
            }
            try await client.execute(
                uri: "/api/v1/briefings/\(scheduled.id)/held", method: .post, headers: f.headers(f.org.bob), body: body(#"{"minutes": 50, "covered": "All"}"#)
            ) { r in
                #expect(r.status == .conflict && r.problem?.detail.contains("not started") == true)
            }
            try await client.execute(uri: "/api/v1/briefings/\(scheduled.id)/cancel", method: .post, headers: f.headers(f.org.alice)) { r in
                let cancelled = try r.decode(Briefing.self)
                #expect(r.status == .ok && cancelled.state == .cancelled)
            }
            // The feed: the URL once, text/calendar without sign-in, 404 once revoked.
            let url = try await client.execute(uri: "/api/v1/me/calendar-feed", method: .post, headers: f.headers(f.org.carol)) { r in
                #expect(r.status == .created)
                return try r.decode(CalendarFeedResponse.self).url
            }
            let path = String(url[url.range(of: "/calendar/")!.lowerBound...])
            let token = String(path.dropFirst("/calendar/".count).dropLast(".ics".count))
            try await client.execute(uri: path, method: .get) { r in
                #expect(r.status == .ok && r.headers[.contentType] == "text/calendar; charset=utf-8")
                let text = String(buffer: r.body)
                #expect(text.contains("UID:\(scheduled.id)@handover\r\n") && text.contains("STATUS:CANCELLED\r\n") && text.contains("SEQUENCE:2\r\n"))
            }
            try await client.execute(uri: "/calendar/hcal_wrong.ics", method: .get) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/api/v1/me/calendar-feed", method: .delete, headers: f.headers(f.org.carol)) { r in #expect(r.status == .noContent) }
            try await client.execute(uri: path, method: .get) { r in #expect(r.status == .notFound) }
            // The request log names the route, never the token.
            let lines = logs.lines.withLockedValue { $0 }
            #expect(lines.contains { $0.metadata["route"] == "/calendar/{file}" })
            #expect(!lines.contains { line in line.metadata.values.contains { $0.contains(token) } || line.message.contains(token) })
        }
    }
}
