import Foundation
import HandoverCore
import HandoverMail
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import Synchronization
import Testing

/// Briefings on both engines: who arranges them, what is refused (and then nothing is stored or
/// queued), SEQUENCE on move and cancel, the held confirmations, the template's acknowledgment
/// gate, the calendar feed; and against a real SMTP server, the invitations as they arrive,
/// read back with Python's icalendar.
@Suite struct BriefingTests {
    static let start = Date(timeIntervalSince1970: 1_796_000_000)

    /// A clock the test moves.
    final class Clock: Sendable {
        let date = Mutex(BriefingTests.start)
        var wall: WallClock { WallClock { self.date.withLock { $0 } } }
        func advance(minutes: Int) { date.withLock { $0 = $0.addingTimeInterval(TimeInterval(minutes * 60)) } }
    }

    struct World {
        var store: SQLHandoverStore
        var org: OrgFixture
        var services: Services
        var clock: Clock
        var handover: Handover
        var account: Account
    }

    /// alice hands an account over to bob with the built-in template, or with a copy of it that
    /// requires a held briefing of `minimum` minutes; submitted.
    static func world(_ store: SQLHandoverStore, minimum: Int? = nil) async throws -> World {
        let org = try await OrgFixture.make(in: store)
        let clock = Clock()
        let services = Services(
            store: store, logKeys: try LogKeys(secret: Array(repeating: 5, count: 32)), clock: clock.wall,
            mail: MailSettings(publicURL: "https://handover.example.com"))
        var templateKey = "customer-account"
        if let minimum {
            var template = ContentFixtures.customerTemplate
            template.key = "briefed-\(UUID().uuidString.prefix(6).lowercased())"
            template.version = 1
            template.rules.briefingMinimumMinutes = minimum
            _ = try await services.templates.addTemplate(try JSONEncoder().encode(template), by: org.admin)
            templateKey = template.key
        }
        let account = try await org.account(org.alice, in: store, name: "Acme, Inc.")
        let draft = try await services.handovers.begin(
            accountID: account.id, recipientID: org.bob.id, templateKey: templateKey, templateVersion: nil,
            content: ContentFixtures.complete(ContentFixtures.customerTemplate), by: org.alice)
        let handover = try await services.handovers.transition(id: draft.id, event: .submit, expectedVersion: nil, by: org.alice)
        return World(store: store, org: org, services: services, clock: clock, handover: handover, account: account)
    }

    static func mail(_ w: World) async throws -> [OutboxMessage] {
        try await w.services.outbox.messages(handoverID: w.handover.id, by: w.org.admin).filter { $0.kind.hasPrefix("briefing.") }
    }

    @Test(arguments: TestDatabases.engines) func schedulingInvitesEveryAttendeeInOneTransaction(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let w = try await Self.world(store)
        let briefing = try await w.services.briefings.schedule(
            handoverID: w.handover.id, startsAt: Self.start.addingTimeInterval(86400), durationMinutes: 45, place: "Room 2", videoURL: "https://meet.example.com/x",
            attendeeIDs: [w.org.carol.id], by: w.org.bob)
        #expect(briefing.attendeeIDs == [w.org.alice.id, w.org.bob.id, w.org.carol.id] && briefing.sequence == 0 && briefing.state == .scheduled)
        #expect(briefing.organizerID == w.org.bob.id)
        let messages = try await Self.mail(w)
        #expect(messages.count == 3 && Set(messages.flatMap(\.to).map(\.address)) == Set([w.org.alice.email, w.org.bob.email, w.org.carol.email]))
        for message in messages {
            #expect(message.kind == "briefing.scheduled" && message.handoverID == w.handover.id && message.html != nil)
            let attachment = try #require(message.attachments.first)
            #expect(attachment.contentType == "text/calendar; charset=utf-8; method=REQUEST")
            let ics = String(decoding: attachment.content, as: UTF8.self)
            #expect(ics.contains("METHOD:REQUEST\r\n") && ics.contains("UID:\(briefing.id)@handover\r\n") && ics.contains("SEQUENCE:0\r\n"))
        }
        // The invitation is in the outbox, the jobs too, and the audit log has the step.
        let jobs = try await store.jobs(filter: JobFilter(kind: JobKind.mailSend, limit: 1000))
        #expect(messages.allSatisfy { message in jobs.contains { $0.payload.contains(message.id) } })
        let audit = try await store.auditEntries(organizationID: w.org.organization.id, targets: ["handover:\(w.handover.id)"])
        #expect(audit.contains { $0.entry.action == "briefing.schedule" && $0.entry.actor == w.org.bob.id })
        #expect(try await w.services.briefings.briefings(handoverID: w.handover.id, by: w.org.manager).map(\.id) == [briefing.id])
    }

    @Test(arguments: TestDatabases.engines) func whoMayArrangeAndWhatIsRefusedStoresAndSendsNothing(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let w = try await Self.world(store)
        let later = Self.start.addingTimeInterval(3600)
        func schedule(_ actor: Member, at: Date = later, minutes: Int = 30, place: String? = "Room", video: String? = nil, attendees: [String]? = nil) async throws {
            _ = try await w.services.briefings.schedule(
                handoverID: w.handover.id, startsAt: at, durationMinutes: minutes, place: place, videoURL: video, attendeeIDs: attendees, by: actor)
        }
        // Carol sees nothing of the handover: not found. The auditor sees it but may not arrange.
        await #expect(throws: StoreError.self) { try await schedule(w.org.carol) }
        await #expect(throws: HandoverError.self) { try await schedule(w.org.auditor) }
        func invalid(_ paths: [String], _ body: () async throws -> Void) async {
            do {
                try await body()
                Issue.record("accepted")
            } catch HandoverError.invalid(let problems) {
                #expect(problems.map(\.path) == paths)
            } catch { Issue.record("\(error)") }
        }
        await invalid(["startsAt"]) { try await schedule(w.org.alice, at: Self.start.addingTimeInterval(-60)) }
        await invalid(["durationMinutes"]) { try await schedule(w.org.alice, minutes: 5) }
        await invalid(["place"]) { try await schedule(w.org.alice, place: "Room 2\r\nBcc: everyone@example.com") }
        await invalid(["videoURL"]) { try await schedule(w.org.alice, video: "javascript:alert(1)") }
        await invalid(["attendeeIDs[0]"]) { try await schedule(w.org.alice, attendees: ["no-such-member"]) }
        // Another organization's member is unknown here.
        let other = try await OrgFixture.make(in: store, name: "Other")
        await invalid(["attendeeIDs[0]"]) { try await schedule(w.org.alice, attendees: [other.alice.id]) }
        #expect(try await w.services.briefings.briefings(handoverID: w.handover.id, by: w.org.admin).isEmpty)
        #expect(try await Self.mail(w).isEmpty)
        // The parties, their manager and an admin may.
        for actor in [w.org.alice, w.org.bob, w.org.manager, w.org.admin] { try await schedule(actor) }
        let briefings = try await w.services.briefings.briefings(handoverID: w.handover.id, by: w.org.admin)
        #expect(briefings.count == 4)
        // Another organization's ids are not found, whoever asks.
        await #expect(throws: StoreError.self) { try await w.services.briefings.briefing(id: briefings[0].id, by: other.admin) }
        await #expect(throws: StoreError.self) { try await w.services.briefings.cancel(id: briefings[0].id, by: other.admin) }
        await #expect(throws: StoreError.self) { try await w.services.briefings.briefings(handoverID: w.handover.id, by: other.admin) }
        // Carol cannot move or cancel what she cannot see.
        await #expect(throws: StoreError.self) { try await w.services.briefings.cancel(id: briefings[0].id, by: w.org.carol) }
    }

    @Test(arguments: TestDatabases.engines) func invitationsTheirUpdatesAndCancellationsFollowOneSettingThatIsNeverTheDigest(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let w = try await Self.world(store)
        // A digest line could not carry the .ics: refused by name, and nothing changes.
        do {
            _ = try await w.services.notifications.setPreferences(["briefing.invitation": "digest"], by: w.org.carol)
            Issue.record("accepted a digest for invitations")
        } catch HandoverError.invalid(let problems) {
            #expect(problems.map(\.path) == ["briefing.invitation"] && problems[0].message.contains("email or off"))
        }
        _ = try await w.services.notifications.setPreferences(["briefing.invitation": "off"], by: w.org.carol)
        let briefing = try await w.services.briefings.schedule(
            handoverID: w.handover.id, startsAt: Self.start.addingTimeInterval(3600), durationMinutes: 30, place: "Room", videoURL: nil,
            attendeeIDs: [w.org.carol.id], by: w.org.alice)
        // Carol turned invitations off: alice (the organizer) and bob get theirs.
        #expect(Set(try await Self.mail(w).flatMap(\.to).map(\.address)) == Set([w.org.alice.email, w.org.bob.email]))
        // Its update and cancellation follow the same setting: carol hears of neither, the others of both.
        _ = try await w.services.briefings.move(
            id: briefing.id, startsAt: nil, durationMinutes: 45, place: nil, videoURL: nil, by: w.org.alice)
        _ = try await w.services.briefings.cancel(id: briefing.id, by: w.org.alice)
        for kind in ["briefing.moved", "briefing.cancelled"] {
            let sent = try await Self.mail(w).filter { $0.kind == kind }
            #expect(Set(sent.flatMap(\.to).map(\.address)) == Set([w.org.alice.email, w.org.bob.email]), "\(kind)")
        }
    }

    @Test(arguments: TestDatabases.engines) func cancellingTheHandoverCancelsItsScheduledBriefingsForEveryAttendee(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let w = try await Self.world(store)
        let briefing = try await w.services.briefings.schedule(
            handoverID: w.handover.id, startsAt: Self.start.addingTimeInterval(3600), durationMinutes: 30, place: "Room", videoURL: nil,
            attendeeIDs: [w.org.carol.id], by: w.org.bob)
        _ = try await w.services.handovers.transition(id: w.handover.id, event: .cancel(reason: "Deal lost"), expectedVersion: nil, by: w.org.alice)
        let after = try #require(try await store.briefing(id: briefing.id, organizationID: w.org.organization.id))
        #expect(after.state == .cancelled && after.sequence == 1)
        let cancellations = try await Self.mail(w).filter { $0.kind == "briefing.cancelled" }
        #expect(Set(cancellations.flatMap(\.to).map(\.address)) == Set([w.org.alice.email, w.org.bob.email, w.org.carol.email]))
        for message in cancellations {
            let ics = String(decoding: message.attachments[0].content, as: UTF8.self)
            #expect(ics.contains("METHOD:CANCEL\r\n") && ics.contains("SEQUENCE:1\r\n") && ics.contains("UID:\(briefing.id)@handover\r\n"))
        }
    }

    @Test(arguments: TestDatabases.engines) func movingAndCancellingRaiseTheSequenceUnderTheSameUID(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let w = try await Self.world(store)
        let briefing = try await w.services.briefings.schedule(
            handoverID: w.handover.id, startsAt: Self.start.addingTimeInterval(3600), durationMinutes: 30, place: "Room", videoURL: nil, attendeeIDs: nil,
            by: w.org.alice)
        // A move into the past is refused and sends nothing.
        await #expect(throws: HandoverError.self) {
            try await w.services.briefings.move(
                id: briefing.id, startsAt: Self.start.addingTimeInterval(-1), durationMinutes: nil, place: nil, videoURL: nil, by: w.org.bob)
        }
        #expect(try await Self.mail(w).count == 2)
        let moved = try await w.services.briefings.move(
            id: briefing.id, startsAt: Self.start.addingTimeInterval(7200), durationMinutes: 60, place: nil, videoURL: nil, by: w.org.bob)
        #expect(moved.sequence == 1 && moved.durationMinutes == 60 && moved.place == "Room" && moved.organizerID == w.org.alice.id)
        let cancelled = try await w.services.briefings.cancel(id: briefing.id, by: w.org.manager)
        #expect(cancelled.sequence == 2 && cancelled.state == .cancelled)
        await #expect(throws: HandoverError.self) { try await w.services.briefings.cancel(id: briefing.id, by: w.org.alice) }
        let messages = try await Self.mail(w)
        #expect(messages.filter { $0.kind == "briefing.moved" }.count == 2 && messages.filter { $0.kind == "briefing.cancelled" }.count == 2)
        for message in messages {
            let ics = String(decoding: message.attachments[0].content, as: UTF8.self)
            #expect(ics.contains("UID:\(briefing.id)@handover\r\n"))
            switch message.kind {
            case "briefing.moved": #expect(ics.contains("METHOD:REQUEST\r\n") && ics.contains("SEQUENCE:1\r\n") && ics.contains("DTEND:20261130T035320Z\r\n"))
            case "briefing.cancelled":
                #expect(ics.contains("METHOD:CANCEL\r\n") && ics.contains("SEQUENCE:2\r\n") && ics.contains("STATUS:CANCELLED\r\n"))
                #expect(message.attachments[0].contentType.hasSuffix("method=CANCEL"))
            default: #expect(message.kind == "briefing.scheduled")
            }
        }
        let actions = try await store.auditEntries(organizationID: w.org.organization.id, targets: ["handover:\(w.handover.id)"]).map(\.entry.action)
        #expect(actions.contains("briefing.move") && actions.contains("briefing.cancel"))
    }

    @Test(arguments: TestDatabases.engines) func bothPartiesConfirmAfterTheStartAndTheTemplateGatesAcknowledgment(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let w = try await Self.world(store, minimum: 30)
        let acknowledge = HandoverEvent.acknowledge(synthesis: "I take over Acme with the renewal in March and two open items.")
        // No briefing: refused, naming the rule; lint says so too.
        do {
            _ = try await w.services.handovers.transition(id: w.handover.id, event: acknowledge, expectedVersion: nil, by: w.org.bob)
            Issue.record("acknowledged without a briefing")
        } catch HandoverError.conflict(let detail) {
            #expect(detail.contains("rules.briefingMinimumMinutes") && detail.contains("30 minutes"))
        }
        #expect(try await w.services.handovers.lint(id: w.handover.id, by: w.org.bob).findings.contains { $0.rule == "briefing-required" })
        let briefing = try await w.services.briefings.schedule(
            handoverID: w.handover.id, startsAt: Self.start.addingTimeInterval(600), durationMinutes: 45, place: nil, videoURL: "https://meet.example.com/a",
            attendeeIDs: [w.org.carol.id], by: w.org.alice)
        // Before its start: not yet.
        await #expect(throws: HandoverError.self) {
            try await w.services.briefings.confirmHeld(id: briefing.id, minutes: 40, covered: "All", stillOpen: nil, by: w.org.alice)
        }
        w.clock.advance(minutes: 60)
        // Only the parties confirm: not their manager, who sees the handover; an attendee who may not see it is not even told it exists.
        await #expect(throws: HandoverError.self) {
            try await w.services.briefings.confirmHeld(id: briefing.id, minutes: 40, covered: "All", stillOpen: nil, by: w.org.manager)
        }
        await #expect(throws: StoreError.self) {
            try await w.services.briefings.confirmHeld(id: briefing.id, minutes: 40, covered: "All", stillOpen: nil, by: w.org.carol)
        }
        await #expect(throws: HandoverError.self) {
            try await w.services.briefings.confirmHeld(id: briefing.id, minutes: 40, covered: " ", stillOpen: nil, by: w.org.alice)
        }
        var held = try await w.services.briefings.confirmHeld(id: briefing.id, minutes: 40, covered: "The packet, contacts", stillOpen: "Pricing", by: w.org.alice)
        #expect(held.state == .scheduled && held.confirmations.count == 1)
        await #expect(throws: HandoverError.self) {
            try await w.services.briefings.confirmHeld(id: briefing.id, minutes: 40, covered: "Again", stillOpen: nil, by: w.org.alice)
        }
        // One confirmation is not enough for the gate.
        await #expect(throws: HandoverError.self) {
            try await w.services.handovers.transition(id: w.handover.id, event: acknowledge, expectedVersion: nil, by: w.org.bob)
        }
        held = try await w.services.briefings.confirmHeld(id: briefing.id, minutes: 25, covered: "Most of it", stillOpen: "Pricing, renewal", by: w.org.bob)
        #expect(held.state == .held && held.heldMinutes(transferorID: w.org.alice.id, recipientID: w.org.bob.id) == 25)
        // Held, but the shorter confirmed length (25) is under 30: still refused.
        do {
            _ = try await w.services.handovers.transition(id: w.handover.id, event: acknowledge, expectedVersion: nil, by: w.org.bob)
            Issue.record("acknowledged after a 25-minute briefing")
        } catch HandoverError.conflict(let detail) {
            #expect(detail.contains("confirmed at 25 minutes"))
        }
        await #expect(throws: HandoverError.self) { try await w.services.briefings.cancel(id: briefing.id, by: w.org.alice) }
        // A second, longer briefing, held by both: acknowledged.
        let second = try await w.services.briefings.schedule(
            handoverID: w.handover.id, startsAt: Self.start.addingTimeInterval(7200), durationMinutes: 60, place: "Room 1", videoURL: nil, attendeeIDs: nil,
            by: w.org.bob)
        w.clock.advance(minutes: 120)
        _ = try await w.services.briefings.confirmHeld(id: second.id, minutes: 55, covered: "Pricing", stillOpen: "", by: w.org.bob)
        _ = try await w.services.briefings.confirmHeld(id: second.id, minutes: 50, covered: "Pricing", stillOpen: "", by: w.org.alice)
        #expect(try await w.services.handovers.lint(id: w.handover.id, by: w.org.bob).findings.allSatisfy { $0.rule != "briefing-required" })
        let acknowledged = try await w.services.handovers.transition(id: w.handover.id, event: acknowledge, expectedVersion: nil, by: w.org.bob)
        #expect(acknowledged.state == .acknowledged)
        let actions = try await store.auditEntries(organizationID: w.org.organization.id, targets: ["handover:\(w.handover.id)"]).map(\.entry.action)
        #expect(actions.filter { $0 == "briefing.held" }.count == 4)
    }

    @Test(arguments: TestDatabases.engines) func theFeedListsBriefingsAndDueDatesForItsTokenOnly(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let w = try await Self.world(store)
        let kept = try await w.services.briefings.schedule(
            handoverID: w.handover.id, startsAt: Self.start.addingTimeInterval(3600), durationMinutes: 30, place: "Room", videoURL: nil, attendeeIDs: nil,
            by: w.org.alice)
        let dropped = try await w.services.briefings.schedule(
            handoverID: w.handover.id, startsAt: Self.start.addingTimeInterval(7200), durationMinutes: 30, place: "Room", videoURL: nil, attendeeIDs: nil,
            by: w.org.alice)
        _ = try await w.services.briefings.cancel(id: dropped.id, by: w.org.alice)
        let token = try await w.services.briefings.createFeed(by: w.org.bob)
        #expect(token.hasPrefix("hcal_") && w.services.briefings.feedURL(token: token) == "https://handover.example.com/calendar/\(token).ics")
        let text = try await w.services.briefings.feed(token: token).text()
        #expect(text.contains("UID:\(kept.id)@handover\r\n") && text.contains("UID:\(dropped.id)@handover\r\n") && text.contains("STATUS:CANCELLED\r\n"))
        #expect(text.contains("DTSTART;VALUE=DATE:"))
        // The database keeps only the digest.
        let rows = try await store.database.withSession { db in try await db.raw("SELECT token_digest FROM calendar_feeds WHERE member_id = \(bind: w.org.bob.id)").all()
        }
        #expect(try rows.map { try $0.decode(column: "token_digest", as: String.self) } == [Secrets.digest(token)])
        // A new token replaces the old; revoking ends it; unknown tokens are not found.
        let newer = try await w.services.briefings.createFeed(by: w.org.bob)
        await #expect(throws: StoreError.self) { try await w.services.briefings.feed(token: token) }
        _ = try await w.services.briefings.feed(token: newer)
        try await w.services.briefings.revokeFeed(by: w.org.bob)
        await #expect(throws: StoreError.self) { try await w.services.briefings.feed(token: newer) }
        await #expect(throws: StoreError.self) { try await w.services.briefings.revokeFeed(by: w.org.bob) }
        await #expect(throws: StoreError.self) { try await w.services.briefings.feed(token: "hcal_nothing") }
        // Carol attends nothing and is party to nothing: an empty calendar.
        let carols = try await w.services.briefings.createFeed(by: w.org.carol)
        #expect(try await w.services.briefings.feed(token: carols).events.isEmpty)
        if ICalendarParser.available {
            let parsed = try ICalendarParser.parse(try await w.services.briefings.feed(token: try await w.services.briefings.createFeed(by: w.org.alice)).text())
            #expect(parsed.errors.isEmpty && parsed.events.contains { $0.uid == "\(dropped.id)@handover" && $0.status == "CANCELLED" })
            #expect(parsed.events.contains { $0.allDay })
        }
    }

    @Test(.enabled(if: TestSMTPServer.available && ICalendarParser.available), arguments: TestDatabases.engines)
    func theInvitationArrivesAndParsesAsICalendar(engine: String) async throws {
        try await OutboxTests.withOwnStore(engine) { store in
            let w = try await Self.world(store)
            let server = try TestSMTPServer()
            defer { server.stop() }
            let runner = OutboxTests.runner(store, w.services, smtp: try SMTPSettings(url: "smtp://127.0.0.1:\(server.port)?starttls=never"))
            // The submit notice is in there too: run it all out.
            let briefing = try await w.services.briefings.schedule(
                handoverID: w.handover.id, startsAt: Self.start.addingTimeInterval(86400), durationMinutes: 45, place: "Room 2, east wing", videoURL: nil,
                attendeeIDs: nil, by: w.org.alice)
            for _ in 0..<3 { try await runner.runOnce() }
            func invitation(_ sequence: Int, for address: String) throws -> (TestSMTPServer.Received, ICalendarParser.Parsed) {
                for arrived in try server.received() where arrived.rcptTos == [address] {
                    guard let attachment = arrived.attachments.first else { continue }
                    let parsed = try ICalendarParser.parse(attachment.content)
                    if parsed.events.first?.sequence == sequence { return (arrived, parsed) }
                }
                throw TestSetupError("no invitation with SEQUENCE \(sequence) arrived for \(address)")
            }
            let (arrived, parsed) = try invitation(0, for: w.org.bob.email)
            #expect(arrived.subject.hasPrefix("Briefing: handover of Acme, Inc.") && arrived.text?.contains("Where: Room 2, east wing") == true && arrived.html != nil)
            #expect(arrived.attachments.first?.contentType?.hasPrefix("text/calendar") == true && arrived.attachments.first?.method == "REQUEST")
            #expect(parsed.method == "REQUEST" && parsed.errors.isEmpty)
            let event = try #require(parsed.events.first)
            #expect(event.uid == "\(briefing.id)@handover" && event.sequence == 0 && event.location == "Room 2, east wing")
            #expect(event.organizer == "mailto:\(w.org.alice.email)" && event.organizerName == "Alice")
            #expect(event.attendees.map(\.address) == ["mailto:\(w.org.alice.email)", "mailto:\(w.org.bob.email)"])
            #expect(event.attendees.allSatisfy { $0.partstat == "NEEDS-ACTION" })
            _ = try await w.services.briefings.move(
                id: briefing.id, startsAt: Self.start.addingTimeInterval(90000), durationMinutes: nil, place: nil, videoURL: nil, by: w.org.bob)
            for _ in 0..<3 { try await runner.runOnce() }
            let (_, movedParsed) = try invitation(1, for: w.org.bob.email)
            #expect(movedParsed.method == "REQUEST" && movedParsed.events.first?.uid == "\(briefing.id)@handover" && movedParsed.events.first?.sequence == 1)
            _ = try await w.services.briefings.cancel(id: briefing.id, by: w.org.alice)
            for _ in 0..<3 { try await runner.runOnce() }
            let (cancelMail, cancelled) = try invitation(2, for: w.org.bob.email)
            #expect(cancelled.method == "CANCEL" && cancelled.events.first?.status == "CANCELLED" && cancelled.events.first?.uid == "\(briefing.id)@handover")
            #expect(cancelMail.attachments.first?.method == "CANCEL" && cancelMail.defects.isEmpty && cancelMail.longestLine <= 78)
        }
    }
}
