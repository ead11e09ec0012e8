import Foundation
import HandoverCore
import HandoverTestSupport
import Testing

/// The iCalendar writer (RFC 5545): escaping, quoting, folding, the invitation's properties, and
/// the same output read back by Python's `icalendar`.
@Suite struct ICalendarTests {
    static let stamp = Date(timeIntervalSince1970: 1_796_000_000)  // 30 Nov 2026 00:53:20 UTC
    static let start = Date(timeIntervalSince1970: 1_796_400_000)  // 4 Dec 2026 16:00:00 UTC

    static func event(summary: String = "Briefing: handover of Acme", location: String? = "Room 2; east wing, floor 3", sequence: Int = 0) throws -> ICalendarEvent {
        ICalendarEvent(
            uid: "0190abc@handover", stamp: stamp, when: .span(start: start, end: start.addingTimeInterval(45 * 60)), sequence: sequence, summary: summary,
            description: "Line one\nLine two, with \\ backslash", location: location, url: "https://meet.example.com/abc?x=1",
            status: .confirmed, organizer: .init(try MailAddress(name: "Alice Smith", address: "alice@example.com")),
            attendees: [
                .init(try MailAddress(name: "Bob: \"the new owner\", Jr", address: "bob@example.com")), .init(try MailAddress(address: "carol@example.com")),
            ])
    }

    @Test func theInvitationHasTheRequiredPropertiesInUTC() throws {
        let folded = ICalendar(method: .request, events: [try Self.event()]).text()
        // Unfolded (RFC 5545 3.1), so that each property is one line wherever it was folded.
        let text = folded.replacingOccurrences(of: "\r\n ", with: "")
        let lines = text.components(separatedBy: "\r\n")
        #expect(folded.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 75 })
        #expect(text.hasPrefix("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Handover//Briefings//EN\r\nCALSCALE:GREGORIAN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"))
        #expect(text.hasSuffix("END:VEVENT\r\nEND:VCALENDAR\r\n"))
        #expect(lines.contains("UID:0190abc@handover"))
        #expect(lines.contains("DTSTAMP:20261130T005320Z"))
        #expect(lines.contains("DTSTART:20261204T160000Z") && lines.contains("DTEND:20261204T164500Z"))
        #expect(lines.contains("SEQUENCE:0") && lines.contains("STATUS:CONFIRMED"))
        #expect(lines.contains("LOCATION:Room 2\\; east wing\\, floor 3"))
        #expect(lines.contains("DESCRIPTION:Line one\\nLine two\\, with \\\\ backslash"))
        #expect(lines.contains("URL:https://meet.example.com/abc?x=1"))
        #expect(lines.contains("ORGANIZER;CN=Alice Smith:mailto:alice@example.com"))
        // A name with ':' ',' is quoted; its double quotes cannot be in a parameter at all.
        #expect(lines.contains("ATTENDEE;CN=\"Bob: 'the new owner', Jr\";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.com"))
        #expect(lines.contains("ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:carol@example.com"))
    }

    @Test func textEscapingCoversBackslashSemicolonCommaAndEveryLineBreak() {
        #expect(ICalendar.escape("a\\b;c,d\ne\r\nf\rg") == "a\\\\b\\;c\\,d\\ne\\nf\\ng")
        // No escape exists for other control characters: they are dropped; a tab stays.
        #expect(ICalendar.escape("x\u{0}y\u{7}z\tw") == "xyz\tw")
        #expect(ICalendar.parameter("Plain Name") == "Plain Name")
        #expect(ICalendar.parameter("Smith, Jo") == "\"Smith, Jo\"")
        #expect(ICalendar.parameter("A \"B\"\r\n") == "A 'B'")
    }

    @Test func linesFoldAt75OctetsWithoutSplittingACharacter() {
        let summary = "SUMMARY:" + String(repeating: "Zoë → Ångström 😀 ", count: 12)
        let folded = ICalendar.fold(summary)
        let physical = folded.components(separatedBy: "\r\n").dropLast()
        #expect(physical.count > 3)
        for (index, line) in physical.enumerated() {
            #expect(line.utf8.count <= 75, "line \(index) has \(line.utf8.count) octets")
            if index > 0 { #expect(line.hasPrefix(" ")) }
        }
        // Unfolding (drop CRLF + one space) gives the line back, so no character was cut.
        // ("\r\n" is one Character in Swift.)
        #expect(folded.replacingOccurrences(of: "\r\n ", with: "").dropLast(1) == summary[...])
        #expect(ICalendar.fold("SHORT:x") == "SHORT:x\r\n")
        // Exactly 75 octets stay on one line.
        let exact = String(repeating: "a", count: 75)
        #expect(ICalendar.fold(exact) == exact + "\r\n")
    }

    @Test func everyLineEndsInCRLF() throws {
        let text = ICalendar(method: .cancel, events: [try Self.event(summary: String(repeating: "long ", count: 40))]).text()
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
    }

    @Test func allDayEventsUseDateValuesEndingTheNextDay() {
        let day = CalendarDate("2026-12-31")!
        let text = ICalendar(
            method: nil, name: "Handover: Bob", events: [ICalendarEvent(uid: "h1-renewal@handover", stamp: Self.stamp, when: .allDay(day), summary: "Acme: renewal")]
        ).text()
        #expect(text.contains("DTSTART;VALUE=DATE:20261231\r\nDTEND;VALUE=DATE:20270101\r\n"))
        #expect(!text.contains("METHOD:"))
        #expect(text.contains("X-WR-CALNAME:Handover: Bob\r\n"))
        #expect(CalendarDate("2028-02-28")!.adding(days: 1) == CalendarDate("2028-02-29"))
    }

    @Test(.enabled(if: ICalendarParser.available)) func pythonsICalendarReadsWhatWeWrite() throws {
        let event = try Self.event(summary: "Übergabe: Zoë's Café, \"Acme\"; é" + String(repeating: "→", count: 40))
        let day = ICalendarEvent(uid: "h1-x@handover", stamp: Self.stamp, when: .allDay(CalendarDate("2026-12-31")!), summary: "Acme: renewal")
        let parsed = try ICalendarParser.parse(ICalendar(method: .request, events: [event, day]).text())
        #expect(parsed.method == "REQUEST" && parsed.version == "2.0" && parsed.errors.isEmpty)
        let first = try #require(parsed.events.first)
        #expect(first.uid == "0190abc@handover" && first.sequence == 0 && first.status == "CONFIRMED")
        #expect(first.summary == event.summary)
        #expect(first.description == "Line one\nLine two, with \\ backslash")
        #expect(first.location == "Room 2; east wing, floor 3")
        #expect(first.start == "2026-12-04T16:00:00+00:00" && first.end == "2026-12-04T16:45:00+00:00")
        #expect(first.organizer == "mailto:alice@example.com" && first.organizerName == "Alice Smith")
        #expect(first.attendees.map(\.address) == ["mailto:bob@example.com", "mailto:carol@example.com"])
        #expect(first.attendees.allSatisfy { $0.partstat == "NEEDS-ACTION" && $0.role == "REQ-PARTICIPANT" && $0.rsvp == "TRUE" })
        #expect(first.attendees.first?.name == "Bob: 'the new owner', Jr")
        #expect(parsed.events.last?.allDay == true && parsed.events.last?.start == "2026-12-31")
    }

    @Test func icalendarIsThereWhenRequired() {
        guard TestSMTPServer.required else { return }
        #expect(ICalendarParser.available, "HANDOVER_SMTP_TESTS=required but \(TestSMTPServer.python) cannot import icalendar: see .ci/run")
    }
}

/// The briefing rules: a schedule's problems, the held confirmation and the acknowledgment gate.
@Suite struct BriefingRulesTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)

    @Test func aScheduleMustBeInTheFutureBoundedAndSomewhere() {
        let ok = BriefingRules.problems(startsAt: Self.now + 3600, durationMinutes: 45, place: "Room 2", videoURL: nil, now: Self.now)
        #expect(ok.isEmpty)
        let bad = BriefingRules.problems(startsAt: Self.now, durationMinutes: 10, place: "Room\r\nBcc: x", videoURL: "javascript:alert(1)", now: Self.now)
        #expect(bad.map(\.path) == ["startsAt", "durationMinutes", "place", "videoURL"])
        #expect(
            BriefingRules.problems(startsAt: Self.now + 60, durationMinutes: 481, place: nil, videoURL: nil, now: Self.now).map(\.path) == ["durationMinutes", "place"])
        #expect(BriefingRules.isWebLink("https://meet.example.com/x?y=1") && BriefingRules.isWebLink("http://10.0.0.1:8080/a"))
        #expect(!BriefingRules.isWebLink("ftp://x.example") && !BriefingRules.isWebLink("https://") && !BriefingRules.isWebLink("https://a b.example"))
    }

    @Test func theGateNeedsBothConfirmationsAndTheShorterLength() {
        let handover = Handover(
            id: "h", organizationID: "o", accountID: "a", templateKey: "t", templateVersion: 1, transferorID: "alice", recipientID: "bob",
            content: HandoverContent(), createdAt: Self.now, updatedAt: Self.now)
        var briefing = Briefing(
            id: "b", organizationID: "o", handoverID: "h", organizerID: "alice", startsAt: Self.now, durationMinutes: 60, place: "Room", videoURL: nil,
            attendeeIDs: ["alice", "bob"], createdAt: Self.now, updatedAt: Self.now)
        #expect(BriefingRules.unmet(minimumMinutes: nil, briefings: [], handover: handover) == nil)
        #expect(BriefingRules.unmet(minimumMinutes: 30, briefings: [briefing], handover: handover)?.contains("rules.briefingMinimumMinutes") == true)
        briefing.confirmations = [BriefingConfirmation(memberID: "alice", minutes: 50, covered: "all", stillOpen: "", at: Self.now)]
        #expect(BriefingRules.unmet(minimumMinutes: 30, briefings: [briefing], handover: handover) != nil)
        briefing.confirmations.append(BriefingConfirmation(memberID: "bob", minutes: 25, covered: "most", stillOpen: "pricing", at: Self.now))
        briefing.state = .held
        #expect(briefing.heldMinutes(transferorID: "alice", recipientID: "bob") == 25)
        #expect(BriefingRules.unmet(minimumMinutes: 30, briefings: [briefing], handover: handover)?.contains("confirmed at 25 minutes") == true)
        #expect(BriefingRules.unmet(minimumMinutes: 25, briefings: [briefing], handover: handover) == nil)
        #expect(BriefingRules.finding(minimumMinutes: 30, briefings: [briefing], handover: handover)?.severity == .warning)
    }
}
