import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

/// `handover shift`: rotas of an account, who is on, and taking a shift.
struct ShiftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shift", abstract: "Shift schedules: rotas, overrides, changes.",
        discussion: """
            A schedule hands an account (a service, a ward, a queue) round a \
            rota. Shifts recur by an iCalendar rule (FREQ=DAILY or FREQ=WEEKLY, \
            INTERVAL, BYDAY) at a time in a time zone. At each change of holder a \
            handover is drafted from the last shift's packet, its open items \
            carried over; if the incoming person has not acknowledged it within \
            --ack-minutes, their managers hear of it and sla.breached fires.
              handover shift create --name "Night desk" --account ACCOUNT \\
                  --rota ana@x.dev,bo@x.dev --rule "FREQ=DAILY" --starts-on 2030-01-06 \\
                  --at 19:00 --duration PT12H --zone Europe/Paris
              handover shift list
              handover shift show ID          (who is on now, the next change)
              handover shift timeline ID      (the week ahead)
              handover shift take ID --from 2030-01-08T19:00:00Z --to 2030-01-09T07:00:00Z
              handover shift edit ID --rota bo@x.dev,ana@x.dev
            """,
        subcommands: [
            ShiftCreateCommand.self, ShiftListCommand.self, ShiftShowCommand.self, ShiftEditCommand.self, ShiftTimelineCommand.self,
            ShiftTakeCommand.self, ShiftDropOverrideCommand.self, ShiftChangesCommand.self,
        ]
    )

    static func describe(_ schedule: ShiftSchedule, names: [String: String]) {
        print("Schedule \(schedule.id): \(schedule.name) (\(schedule.state.rawValue), version \(schedule.version))")
        print("  account:  \(schedule.accountID)")
        print("  shifts:   \((try? schedule.pattern.get())?.summary ?? schedule.rule), \(schedule.timeZone) time")
        print("            (\(schedule.rule), from \(HumanDate.day(schedule.startsOn)))")
        print("  rota:     \(schedule.rotation.map { names[$0] ?? $0 }.joined(separator: ", "))")
        print(
            "  ack:      within \(schedule.ackMinutes) min"
                + (schedule.waitForAcknowledgment ? "; the outgoing person stays on until then" : ""))
    }

    static func rota(_ text: String?, client: HandoverAPIClient) async throws -> [String]? {
        guard let text else { return nil }
        var ids: [String] = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            ids.append(try await MemberLookup.id(of: name, client: client))
        }
        return ids
    }

    static func instant(_ text: String, _ option: String) throws -> Date {
        guard let date = Timestamp.parse(text) else { throw CLIError("\(option) \(text): write an instant such as 2030-01-08T19:00:00Z.") }
        return date
    }
}

/// The fields `create` and `edit` share.
struct ShiftFields: ParsableArguments {
    @Option(help: "The schedule's name.") var name: String?
    @Option(help: ArgumentHelp("Who takes turns, in order: emails or ids, comma-separated.", valueName: "LIST")) var rota: String?
    @Option(help: ArgumentHelp("A team: the rota is drawn from it (its members, in order, without --rota).", valueName: "TEAM")) var team: String?
    @Option(help: ArgumentHelp("FREQ=DAILY or FREQ=WEEKLY, with INTERVAL=N and BYDAY=MO,TU,….", valueName: "RRULE")) var rule: String?
    @Option(help: ArgumentHelp("The first shift's day, YYYY-MM-DD.", valueName: "DAY")) var startsOn: String?
    @Option(help: ArgumentHelp("When shifts start, HH:MM in --zone (07:00,19:00: two a day).", valueName: "TIMES")) var at: String?
    @Option(help: ArgumentHelp("How long a shift lasts, ISO 8601: PT8H, PT12H, P7D.", valueName: "DURATION")) var duration: String?
    @Option(help: ArgumentHelp("An IANA time zone, such as Europe/Paris.", valueName: "ZONE")) var zone: String?
    @Option(help: ArgumentHelp("Minutes to acknowledge before managers hear (default 30).", valueName: "N")) var ackMinutes: Int?
    @Option(help: ArgumentHelp("yes: the outgoing person stays on until acknowledged.", valueName: "yes|no")) var waitForAck: String?
    @Option(help: "A template key (default: the account kind's).") var template: String?

    func request(client: HandoverAPIClient, accountID: String?) async throws -> ShiftScheduleRequest {
        var wait: Bool?
        if let waitForAck {
            switch waitForAck.lowercased() {
            case "yes", "true": wait = true
            case "no", "false": wait = false
            default: throw CLIError("--wait-for-ack \(waitForAck): say yes or no.")
            }
        }
        return ShiftScheduleRequest(
            name: name, accountID: accountID, teamID: try await team.asyncMap { try await TeamLookup.id(of: $0, client: client) },
            rotation: try await ShiftCommand.rota(rota, client: client), rule: rule, startsOn: startsOn, startTime: at, duration: duration, timeZone: zone,
            ackMinutes: ackMinutes, waitForAcknowledgment: wait, templateKey: template)
    }
}

struct ShiftCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a schedule for an account.",
        discussion: "Admins, or a manager whose rota is themselves and their reports. Every wrong field is named at once.")
    @Option(help: "The account that changes hands at each shift.") var account: String
    @OptionGroup var fields: ShiftFields
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let body = try await fields.request(client: client, accountID: account)
        let reply = try await CLIErrors.run { try await client.send(.POST, "/api/v1/shift-schedules", json: body, as: ShiftSchedule.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            ShiftCommand.describe(reply.value, names: names)
            print("Next: 'handover shift show \(reply.value.id)' says who is on and when the next change is.")
        }
    }
}

struct ShiftListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The organization's schedules.")
    @Option(help: "Only this account's.") var account: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let path = "/api/v1/shift-schedules" + (account.map { "?accountID=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? "")
        let reply = try await CLIErrors.run { try await client.get(path, as: ListResponse<ShiftSchedule>.self) }
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty { print("No schedules yet. Create one with 'handover shift create' (see --help)."); return }
            Table.print(
                ["ID", "NAME", "ACCOUNT", "RULE", "AT", "STATE"],
                reply.value.items.map { s in [s.id, s.name, s.accountID, s.rule, "\(s.startTime) \(s.timeZone)", s.state.rawValue] })
        }
    }
}

struct ShiftShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "A schedule: who is on now, the next change.")
    @Argument(help: "The schedule id ('handover shift list').") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get(AccessCommand.path("shift-schedules", id), as: ShiftScheduleResponse.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            let view = reply.value
            ShiftCommand.describe(view.schedule, names: names)
            print("  on now:   \(view.onShift.map { names[$0] ?? $0 } ?? "nobody (between shifts)")")
            if let waiting = view.waitingOn { print("            (until handover \(waiting) is acknowledged)") }
            if let next = view.nextChange {
                let who = next.from.map { "\(names[$0] ?? $0) to \(names[next.to] ?? next.to)" } ?? "\(names[next.to] ?? next.to) comes on"
                print("  next:     \(HumanDate.format(next.at)): \(who)")
            }
            for override in view.overrides {
                print(
                    "  override \(override.id): \(names[override.memberID] ?? override.memberID), "
                        + "\(HumanDate.format(override.startsAt)) to \(HumanDate.format(override.endsAt))")
            }
        }
    }
}

struct ShiftEditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit", abstract: "Change a schedule; overrides stay.",
        discussion: "Only the options given change. --stop stops the schedule (no more changes); --resume starts it again.")
    @Argument(help: "The schedule id.") var id: String
    @OptionGroup var fields: ShiftFields
    @Flag(help: "Stop the schedule.") var stop = false
    @Flag(help: "Start a stopped schedule again.") var resume = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        if stop && resume { throw CLIError("--stop and --resume: choose one.") }
        let client = try options.client()
        var body = try await fields.request(client: client, accountID: nil)
        if stop { body.state = .stopped }
        if resume { body.state = .active }
        let reply = try await CLIErrors.run {
            try await client.send(.PATCH, AccessCommand.path("shift-schedules", id), json: body, as: ShiftSchedule.self)
        }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) { ShiftCommand.describe(reply.value, names: names) }
    }
}

struct ShiftTimelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "timeline", abstract: "Who holds the shifts when (default: the week ahead).")
    @Argument(help: "The schedule id.") var id: String
    @Option(help: ArgumentHelp("From this instant (default now).", valueName: "TIME")) var from: String?
    @Option(help: ArgumentHelp("Until this instant (default a week on; at most 62 days).", valueName: "TIME")) var to: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        var query: [String] = []
        if let from { query.append("from=" + Timestamp.format(try ShiftCommand.instant(from, "--from"))) }
        if let to { query.append("to=" + Timestamp.format(try ShiftCommand.instant(to, "--to"))) }
        let path = AccessCommand.path("shift-schedules", id, "timeline") + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        let reply = try await CLIErrors.run { try await client.get(path, as: ListResponse<ShiftTimeline.Segment>.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            Table.print(
                ["FROM", "TO", "WHO", "NOTE"],
                reply.value.items.map { s in
                    [
                        HumanDate.format(s.start), HumanDate.format(s.end), s.memberID.map { names[$0] ?? $0 } ?? "-",
                        s.overrideID.map { "override \($0)" } ?? "",
                    ]
                })
        }
    }
}

struct ShiftTakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "take", abstract: "Take shifts (or, as a manager, put someone on).",
        discussion: "An override: it stays through edits of the schedule; the newest wins where two overlap. Remove it with 'handover shift drop'.")
    @Argument(help: "The schedule id.") var id: String
    @Option(help: ArgumentHelp("Start, an instant such as 2030-01-08T19:00:00Z.", valueName: "TIME")) var from: String
    @Option(help: ArgumentHelp("End, an instant.", valueName: "TIME")) var to: String
    @Option(help: ArgumentHelp("Who takes it (email or id; default: you).", valueName: "EMAIL")) var member: String?
    @Option(help: "Why (shown to the rota).") var reason: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let body = ShiftOverrideRequest(
            memberID: try await member.asyncMap { try await MemberLookup.id(of: $0, client: client) }, startsAt: try ShiftCommand.instant(from, "--from"),
            endsAt: try ShiftCommand.instant(to, "--to"), reason: reason)
        let reply = try await CLIErrors.run {
            try await client.send(.POST, AccessCommand.path("shift-schedules", id, "overrides"), json: body, as: ShiftOverride.self)
        }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            let o = reply.value
            print("Override \(o.id): \(names[o.memberID] ?? o.memberID) holds the shifts \(HumanDate.format(o.startsAt)) to \(HumanDate.format(o.endsAt)).")
        }
    }
}

struct ShiftDropOverrideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "drop", abstract: "Remove an override that has not ended.")
    @Argument(help: "The schedule id.") var id: String
    @Argument(help: "The override id ('handover shift show').") var override: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        _ = try await CLIErrors.run {
            try await client.send(.DELETE, AccessCommand.path("shift-schedules", id, "overrides", override), body: nil, as: EmptyReply.self)
        }
        print("Override \(override) removed: the rota holds those shifts again.")
    }
}

struct ShiftChangesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "changes", abstract: "The changes of shift so far, newest first.")
    @Argument(help: "The schedule id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get(AccessCommand.path("shift-schedules", id, "changes"), as: ListResponse<ShiftChangeRecord>.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty { print("No change of shift yet."); return }
            Table.print(
                ["AT", "FROM", "TO", "STATE", "HANDOVER", "ESCALATED"],
                reply.value.items.map { c in
                    [
                        HumanDate.format(c.at), c.fromMemberID.map { names[$0] ?? $0 } ?? "-", names[c.toMemberID] ?? c.toMemberID, c.state.rawValue,
                        c.handoverID ?? "-", c.escalatedAt.map { HumanDate.format($0) } ?? "",
                    ]
                })
        }
    }
}
