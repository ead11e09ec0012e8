import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

/// `handover departure`: a member leaves; their accounts and what points at them move.
struct DepartureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "departure", abstract: "Plan and apply a member's departure.",
        discussion: """
            One handover per account the member owns, pre-filled from the account's profile. \
            Recipients, first match wins: --map, then --rule in order, then \
            --balance over the members named, then the leaver's manager.
              handover departure plan --member ann@x.dev --rule tag:emea=bo@x.dev
              handover departure plan --member ann@x.dev --rule kind:project="team:Delivery"
              handover departure plan --member ann@x.dev --map ACCOUNT=bo@x.dev
              handover departure plan --member ann@x.dev --balance bo@x.dev \\
                  --balance cy@x.dev
              handover departure apply --member ann@x.dev --on 2030-01-31 …
              handover departure list
              handover departure show ID
              handover departure cancel ID
            plan writes nothing. apply prints its Idempotency-Key: run it again \
            with --idempotency-key K after a failure and nothing is done twice. \
            Conflicts refuse an apply unless --skip-conflicts.
            """,
        subcommands: [DeparturePlanCommand.self, DepartureApplyCommand.self, DepartureListCommand.self, DepartureShowCommand.self, DepartureCancelCommand.self]
    )
}

/// The options plan and apply share, turned into the request body.
struct DepartureOptions: ParsableArguments {
    @Option(help: "The leaver (email or member id).") var member: String
    @Option(help: "The day they leave, YYYY-MM-DD (today or later; default now).") var on: String?
    @Option(help: ArgumentHelp("An account to a member.", valueName: "ACCOUNT=EMAIL")) var map: [String] = []
    @Option(help: ArgumentHelp("Tag or kind to a member, or to a team's least loaded member.", valueName: "tag:T=EMAIL|kind:K=team:NAME")) var rule: [String] = []
    @Option(help: ArgumentHelp("Balance the rest by load over this member.", valueName: "EMAIL")) var balance: [String] = []
    @Flag(help: "Deactivate the leaver as it applies (admins only).") var deactivate = false

    func request(client: HandoverAPIClient, skipConflicts: Bool) async throws -> DepartureRequest {
        var effectiveOn: CalendarDate?
        if let on {
            guard let day = CalendarDate(on) else { throw CLIError("--on \(on): write the day as YYYY-MM-DD.") }
            effectiveOn = day
        }
        var mappings: [DepartureMapping] = []
        for text in map {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw CLIError("--map \(text): write ACCOUNT=EMAIL.") }
            mappings.append(DepartureMapping(accountID: parts[0], recipientID: try await MemberLookup.id(of: parts[1], client: client)))
        }
        let rules = try await RuleText.rules(rule, client: client)
        var pool: [String] = []
        for email in balance { pool.append(try await MemberLookup.id(of: email, client: client)) }
        return DepartureRequest(
            memberID: try await MemberLookup.id(of: member, client: client), effectiveOn: effectiveOn, mappings: mappings, rules: rules, balanceAmong: pool,
            skipConflicts: skipConflicts, deactivate: deactivate)
    }
}

struct DeparturePlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plan", abstract: "Show the whole plan, conflicts first; writes nothing.")
    @OptionGroup var departure: DepartureOptions
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let body = try await departure.request(client: client, skipConflicts: false)
        let reply = try await CLIErrors.run { try await client.send(.POST, "/api/v1/departures/preview", json: body, as: DeparturePlan.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            let plan = reply.value
            RuleText.printConflicts(plan.conflicts)
            Table.print(
                ["ACCOUNT", "KIND", "TO", "WHY", "TEMPLATE", "NOTE"],
                plan.lines.map { line in
                    [
                        line.accountName, line.kind.rawValue, line.recipientID.map { names[$0] ?? $0 } ?? "-", line.reason?.rawValue ?? "-", line.templateKey,
                        line.conflict?.rawValue ?? "",
                    ]
                })
            let p = plan.pointers
            for handover in p.incomingHandovers {
                print("Sent to them, still open: \(handover.label) → \(handover.recipientID.map { names[$0] ?? $0 } ?? "stays (a conflict)")")
            }
            print(
                "\n\(plan.applicable.count) of \(plan.lines.count) accounts ready; \(p.incomingHandovers.count) open handover(s) sent to them, "
                    + "\(p.briefings.count) briefing(s) to reassign, "
                    + "\(p.accessGrants.count) access grant(s) for the plans, \(p.soleReaderSecrets.count) secret(s) only they can open.")
            if !plan.conflicts.isEmpty { print("Next: resolve the conflicts, or apply with --skip-conflicts.") }
        }
    }
}

struct DepartureApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Apply the plan atomically (or schedule it with --on).",
        discussion: "Prints the Idempotency-Key it used; a retry with the same key and options is safe.")
    @OptionGroup var departure: DepartureOptions
    @Flag(help: "Skip conflicting accounts instead of refusing.") var skipConflicts = false
    @Option(help: "Reuse the key a failed attempt printed.") var idempotencyKey: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let body = try await departure.request(client: client, skipConflicts: skipConflicts)
        let reply = try await IdempotentPost.send(body, to: "/api/v1/departures", key: idempotencyKey, client: client, options: options, as: DepartureSummary.self)
        options.output.emit(raw: reply.json) {
            let s = reply.value
            if s.state == "scheduled" {
                print("Departure \(s.id) scheduled for \(s.effectiveOn.map(HumanDate.day) ?? "its day"): applied then by the job runner.")
            } else {
                print(
                    "Departure \(s.id) applied: \(s.handoversCreated) handover(s) drafted, \(s.handoversRedirected) sent on, "
                        + "\(s.briefingsReassigned) briefing(s) reassigned.")
            }
            for conflict in s.skipped { print("  skipped: " + conflict.message) }
            if s.soleReaderSecrets > 0 { print("  \(s.soleReaderSecrets) secret(s) only the leaver can open: ask them to share before they go.") }
            if s.leaverDeactivated { print("  The leaver is deactivated: their sign-in, sessions and API tokens have ended.") }
        }
    }
}

struct DepartureListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Departures, newest first.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/departures", as: ListResponse<DepartureSummary>.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty { print("No departures yet. Plan one with 'handover departure plan --member EMAIL'."); return }
            Table.print(
                ["ID", "MEMBER", "STATE", "ON", "HANDOVERS", "SKIPPED"],
                reply.value.items.map { s in
                    [s.id, names[s.memberID] ?? s.memberID, s.state, s.effectiveOn.map(HumanDate.day) ?? "now", String(s.handoversCreated), String(s.skipped.count)]
                })
        }
    }
}

struct DepartureShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One departure: what it did or will do.")
    @Argument(help: "The departure id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get(AccessCommand.path("departures", id), as: DepartureSummary.self) }
        options.output.emit(raw: reply.json) {
            let s = reply.value
            print("Departure \(s.id): \(s.state)")
            print("  member:      \(s.memberID)")
            print("  on:          \(s.effectiveOn.map(HumanDate.day) ?? "now")")
            print("  handovers:   \(s.handoversCreated)")
            print("  sent on:     \(s.handoversRedirected) open handover(s) sent to the leaver")
            print("  deactivated: \(s.leaverDeactivated ? "yes, when it applied" : "no")")
            print("  briefings:   \(s.briefingsReassigned) reassigned")
            print("  grants:      \(s.accessGrantsListed) listed for the access plans")
            print("  secrets:     \(s.soleReaderSecrets) only the leaver can open")
            for conflict in s.skipped { print("  skipped:     " + conflict.message) }
            if let reason = s.failureReason { print("  failed:      " + reason) }
        }
    }
}

struct DepartureCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a scheduled departure before its day.",
        discussion: """
            Admins and the leaver's manager. Nothing is applied on the day; the \
            cancellation is audited. An applied departure cannot be cancelled: \
            its handovers are ordinary handovers now (cancel those one by one).
              handover departure cancel ID
            """)
    @Argument(help: "The departure id ('handover departure list').") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run {
            try await client.send(.DELETE, AccessCommand.path("departures", id), body: nil, as: DepartureSummary.self)
        }
        options.output.emit(raw: reply.json) {
            print("Departure \(reply.value.id) cancelled: nothing will be applied on \(reply.value.effectiveOn.map(HumanDate.day) ?? "its day").")
        }
    }
}

struct MemberDeactivate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deactivate", abstract: "End a member's sign-in, sessions and tokens (admins).",
        discussion: "Nothing is deleted: their history stays. 'members reactivate' restores sign-in.")
    @Argument(help: "The member (email or id).") var member: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let id = try await MemberLookup.id(of: member, client: client)
        let reply = try await CLIErrors.run { try await client.send(.POST, AccessCommand.path("members", id, "deactivate"), body: nil, as: Member.self) }
        options.output.emit(raw: reply.json) {
            print("\(reply.value.name) is deactivated: sessions ended, tokens revoked, sign-in refused.")
            print("Next: move their accounts with 'handover departure plan --member \(reply.value.email)'.")
        }
    }
}

struct MemberReactivate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reactivate", abstract: "Let a deactivated member sign in again (admins).",
        discussion: "Old tokens stay revoked: they make new ones after signing in.")
    @Argument(help: "The member (email or id).") var member: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let id = try await MemberLookup.id(of: member, client: client)
        let reply = try await CLIErrors.run { try await client.send(.POST, AccessCommand.path("members", id, "reactivate"), body: nil, as: Member.self) }
        options.output.emit(raw: reply.json) { print("\(reply.value.name) can sign in again.") }
    }
}

/// An apply behind an `Idempotency-Key`: the one given, or a new one printed first (under
/// `--format json` it is in no output: pass --idempotency-key to retry), so that a retry after a
/// failure with the same key never applies twice.
enum IdempotentPost {
    static func send<Body: Encodable, T: Decodable & Sendable>(
        _ body: Body, to path: String, key: String?, client: HandoverAPIClient, options: ClientOptions, as type: T.Type
    ) async throws -> HandoverAPIClient.Reply<T> {
        let key = key ?? UUID().uuidString.lowercased()
        if options.format != .json { print("Idempotency-Key: \(key)") }
        let data = try WireJSON.encoder.encode(body)
        return try await CLIErrors.run { try await client.send(.POST, path, body: data, headers: [("Idempotency-Key", key)], as: type) }
    }
}

/// `--rule tag:TAG=EMAIL`, `kind:KIND=EMAIL` or `…=team:NAME`: a departure rule as typed, its
/// member or team still to be looked up (through the API, or the database for `admin` verbs).
enum RuleText {
    enum Target: Equatable {
        case member(String)
        case team(String)
    }

    static func parse(_ text: String) throws -> (match: DepartureRule.Match, value: String, target: Target) {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        let match = parts.first?.split(separator: ":", maxSplits: 1).map(String.init) ?? []
        guard parts.count == 2, match.count == 2, let kind = DepartureRule.Match(rawValue: match[0]), !match[1].isEmpty, !parts[1].isEmpty else {
            throw CLIError("--rule \(text): write tag:TAG=EMAIL or kind:KIND=EMAIL (or =team:NAME for a team).")
        }
        if parts[1].lowercased().hasPrefix("team:") { return (kind, match[1], .team(String(parts[1].dropFirst(5)))) }
        return (kind, match[1], .member(parts[1]))
    }

    /// Each `--rule` with its member or team looked up through the API.
    static func rules(_ texts: [String], client: HandoverAPIClient) async throws -> [DepartureRule] {
        var rules: [DepartureRule] = []
        for text in texts {
            let (kind, value, target) = try parse(text)
            switch target {
            case .team(let name): rules.append(DepartureRule(match: kind, value: value, teamID: try await TeamLookup.id(of: name, client: client)))
            case .member(let who): rules.append(DepartureRule(match: kind, value: value, recipientID: try await MemberLookup.id(of: who, client: client)))
            }
        }
        return rules
    }

    /// A plan's conflicts, first and apart, as `departure plan` and `realign plan` print them.
    static func printConflicts(_ conflicts: [DepartureConflict]) {
        guard !conflicts.isEmpty else { return }
        print("Conflicts (\(conflicts.count)):")
        for conflict in conflicts { print("  " + conflict.message) }
        print("")
    }
}
