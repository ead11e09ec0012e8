import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

/// `handover briefing`: the scheduled overlap on a handover, with calendar invitations.
struct BriefingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "briefing", abstract: "Schedule a briefing; confirm it was held.",
        discussion: """
            A briefing is the overlap where the transferor walks the recipient through the \
            packet. Every attendee gets an email with a calendar invitation (.ics); moving it \
            sends an update, cancelling a cancellation. Afterwards both parties confirm it was \
            held, with how long it ran and what is still open.
              handover briefing schedule HANDOVER --start "2026-12-08 14:00" --minutes 45 \\
                  --place "Room 2" [--video https://meet.example/x] [--attendee EMAIL]
              handover briefing list HANDOVER
              handover briefing move ID --start "2026-12-09 10:00"
              handover briefing cancel ID
              handover briefing held ID --minutes 50 --covered "…" [--still-open "…"]
            Times are in your time zone unless they carry one (2026-12-08T14:00:00Z).
            """,
        subcommands: [BriefingSchedule.self, BriefingList.self, BriefingMove.self, BriefingCancel.self, BriefingHeld.self]
    )

    /// "2026-12-08 14:00" or "2026-12-08T14:00" in the local time zone, or RFC 3339.
    static func time(_ text: String) throws -> Date {
        if let date = Timestamp.parse(text) { return date }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .current
        for format in ["yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        throw ValidationError("--start takes \"YYYY-MM-DD HH:MM\" (your time zone) or an RFC 3339 time, not \(text)")
    }

    static func describe(_ b: Briefing, names: [String: String]) {
        let place = [b.place, b.videoURL].compactMap { $0 }.joined(separator: ", ")
        print("\(b.id)  \(b.state.rawValue)  \(HumanDate.format(b.startsAt)), \(b.durationMinutes) min  \(place)")
        print("    attendees: \(b.attendeeIDs.map { names[$0] ?? $0 }.joined(separator: ", ")); sequence \(b.sequence)")
        for c in b.confirmations {
            print(
                "    held, says \(names[c.memberID] ?? c.memberID): \(c.minutes) min; covered: \(c.covered)\(c.stillOpen.isEmpty ? "" : "; still open: \(c.stillOpen)")")
        }
    }
}

struct BriefingSchedule: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "Schedule it; every attendee gets an invitation.",
        discussion: "The two parties always attend. Give a place, a video link (http/https) or both.")
    @Argument(help: "Handover id.") var handover: String
    @Option(help: "When it starts: \"YYYY-MM-DD HH:MM\" or RFC 3339.") var start: String
    @Option(help: "How long, in minutes (15 to 480).") var minutes: Int = 45
    @Option(help: "Where: a room, an address (one line).") var place: String?
    @Option(help: "A video-call link (http:// or https://).") var video: String?
    @Option(help: "Another member to invite, email or id (repeat).") var attendee: [String] = []
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        var ids: [String] = []
        for text in attendee { ids.append(try await MemberLookup.id(of: text, client: client)) }
        let body = ScheduleBriefingRequest(
            startsAt: try BriefingCommand.time(start), durationMinutes: minutes, place: place, videoURL: video, attendeeIDs: ids.isEmpty ? nil : ids)
        let reply = try await CLIErrors.run {
            try await client.send(.POST, "/api/v1/handovers/\(Outbox.pathSafe(handover))/briefings", json: body, as: Briefing.self)
        }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            print("Scheduled briefing \(reply.value.id); invitations queued for \(reply.value.attendeeIDs.count) attendees.")
            BriefingCommand.describe(reply.value, names: names)
        }
    }
}

struct BriefingList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a handover's briefings.")
    @Argument(help: "Handover id.") var handover: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run {
            try await client.get("/api/v1/handovers/\(Outbox.pathSafe(handover))/briefings", as: ListResponse<Briefing>.self)
        }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty { print("No briefings. Schedule one with 'handover briefing schedule \(handover) --start …'.") }
            for briefing in reply.value.items { BriefingCommand.describe(briefing, names: names) }
        }
    }
}

struct BriefingMove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move", abstract: "Move a briefing; attendees get the updated invitation.",
        discussion: "What you do not give stays as it was.")
    @Argument(help: "Briefing id.") var id: String
    @Option(help: "The new start: \"YYYY-MM-DD HH:MM\" or RFC 3339.") var start: String?
    @Option(help: "The new length in minutes (15 to 480).") var minutes: Int?
    @Option(help: "The new place.") var place: String?
    @Option(help: "The new video link.") var video: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        guard start != nil || minutes != nil || place != nil || video != nil else {
            throw ValidationError("say what changes: --start, --minutes, --place or --video")
        }
        let client = try options.client()
        let body = MoveBriefingRequest(startsAt: try start.map(BriefingCommand.time), durationMinutes: minutes, place: place, videoURL: video)
        let reply = try await CLIErrors.run { try await client.send(.PATCH, "/api/v1/briefings/\(Outbox.pathSafe(id))", json: body, as: Briefing.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            print("Moved; updated invitations queued (sequence \(reply.value.sequence)).")
            BriefingCommand.describe(reply.value, names: names)
        }
    }
}

struct BriefingCancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a briefing; attendees get a cancellation.")
    @Argument(help: "Briefing id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run {
            try await client.send(.POST, "/api/v1/briefings/\(Outbox.pathSafe(id))/cancel", body: Data("{}".utf8), as: Briefing.self)
        }
        options.output.emit(raw: reply.json) { print("Cancelled briefing \(reply.value.id); cancellations queued.") }
    }
}

struct BriefingHeld: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "held", abstract: "As a party, confirm the briefing was held.",
        discussion: "After its start. When both parties confirmed, it counts as held.")
    @Argument(help: "Briefing id.") var id: String
    @Option(help: "How long it really ran, in minutes.") var minutes: Int
    @Option(help: "What was covered.") var covered: String
    @Option(help: "What is still open.") var stillOpen: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let body = BriefingHeldRequest(minutes: minutes, covered: covered, stillOpen: stillOpen)
        let reply = try await CLIErrors.run { try await client.send(.POST, "/api/v1/briefings/\(Outbox.pathSafe(id))/held", json: body, as: Briefing.self) }
        options.output.emit(raw: reply.json) {
            print(reply.value.state == .held ? "Confirmed: the briefing is held (both parties confirmed)." : "Confirmed; waiting for the other party.")
        }
    }
}

/// `handover calendar-feed`: a private calendar URL with your briefings and due dates.
struct CalendarFeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar-feed", abstract: "Get or revoke your private calendar feed URL.",
        discussion: """
            Subscribe to the URL in a calendar app: every briefing you attend and the due dates \
            of your open handovers. Anyone with the URL can read it, so it is shown once; \
            creating a new one revokes the old.
            """,
        subcommands: [CalendarFeedCreate.self, CalendarFeedRevoke.self])
}

struct CalendarFeedCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Make a new feed URL (the old one stops working).")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.send(.POST, "/api/v1/me/calendar-feed", body: Data("{}".utf8), as: CalendarFeedResponse.self) }
        options.output.emit(raw: reply.json) {
            print(reply.value.url)
            print("Subscribe to it in your calendar app. It is shown only now; 'handover calendar-feed revoke' ends it.")
        }
    }
}

struct CalendarFeedRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Stop your feed URL from working.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        _ = try await CLIErrors.run { try await client.send(.DELETE, "/api/v1/me/calendar-feed", body: nil, as: EmptyReply.self) }
        try options.output.emit(["revoked": .bool(true)]) { print("Calendar feed revoked.") }
    }
}
