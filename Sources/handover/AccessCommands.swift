import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

/// `handover access`: the access inventory of an account, a handover's access plan, and who still
/// holds access to an account they handed over.
struct AccessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access", abstract: "Who holds which access, and the plan that moves it.",
        discussion: """
            Each account keeps an inventory of access grants (system, role, holder). A handover \
            carries an access plan drawn from it: revoke from the transferor, grant to the \
            recipient; confirming a line applies it to the inventory.
              handover access list --account ID
              handover access grant --account ID --system VPN --role user --holder EMAIL
              handover access revoke GRANT --evidence "ticket 123"
              handover access plan HANDOVER --draw
              handover access add-line HANDOVER --system VPN --role user
              handover access confirm HANDOVER LINE --evidence "done in the console"
              handover access lingering               access kept after a handover
            """,
        subcommands: [AccessList.self, AccessGrantCommand.self, AccessRevoke.self, AccessPlan.self, AccessAddLine.self, AccessConfirm.self, AccessLingering.self]
    )

    static func path(_ parts: String...) -> String {
        "/api/v1/" + parts.map { $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? $0 }.joined(separator: "/")
    }

    static func grantRows(_ grants: [AccessGrant]) -> [[String]] {
        grants.map { g in
            [
                g.id, g.system, g.role, g.holderName + (g.holderID == nil ? " (outside)" : ""), HumanDate.day(g.grantedOn),
                g.revokedOn.map { "revoked \(HumanDate.day($0))" } ?? "active",
            ]
        }
    }
}

struct AccessList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "An account's access grants.")
    @Option(help: "The account.") var account: String
    @Flag(help: "Revoked grants only.") var revoked = false
    @Flag(help: "Active grants only.") var active = false
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if revoked && active { throw ValidationError("--revoked and --active exclude each other.") }
    }

    func run() async throws {
        let client = try options.client()
        let state = revoked ? "revoked" : active ? "active" : "all"
        let reply = try await CLIErrors.run {
            try await client.get(AccessCommand.path("accounts", account, "access-grants") + "?state=\(state)", as: ListResponse<AccessGrant>.self)
        }
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty { print("No access grants recorded. Add one with 'handover access grant --account \(account) …'."); return }
            Table.print(["ID", "SYSTEM", "ROLE", "HOLDER", "GRANTED", "STATUS"], AccessCommand.grantRows(reply.value.items))
        }
    }
}

struct AccessGrantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant", abstract: "Record an access grant on an account.",
        discussion: "The holder is a member (--holder) or someone outside the organization (--outsider).")
    @Option(help: "The account.") var account: String
    @Option(help: "The system (GitHub, AWS, the bank).") var system: String
    @Option(help: "The role or permission on it.") var role: String
    @Option(help: "The member who holds it (email or id).") var holder: String?
    @Option(help: "The name of a holder outside the organization.") var outsider: String?
    @Option(help: "Granted on (YYYY-MM-DD); today by default.") var on: String?
    @Option(help: "Evidence or a note (a ticket, who approved).") var note: String?
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if (holder == nil) == (outsider == nil) { throw ValidationError("Name the holder: --holder EMAIL or --outsider NAME.") }
        if let on, CalendarDate(on) == nil { throw ValidationError("--on takes a date as YYYY-MM-DD.") }
    }

    func run() async throws {
        let client = try options.client()
        let holderID = try await holder.asyncMap { try await MemberLookup.id(of: $0, client: client) }
        let body = CreateAccessGrantRequest(system: system, role: role, holderID: holderID, holderName: outsider, grantedOn: on.flatMap(CalendarDate.init), note: note)
        let reply = try await CLIErrors.run {
            try await client.send(.POST, AccessCommand.path("accounts", account, "access-grants"), json: body, as: AccessGrant.self)
        }
        options.output.emit(raw: reply.json) { print("Recorded \(reply.value.label) for \(reply.value.holderName): \(reply.value.id)") }
    }
}

struct AccessRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Mark an access grant revoked.")
    @Argument(help: "Grant id.") var grant: String
    @Option(help: "Revoked on (YYYY-MM-DD); today by default.") var on: String?
    @Option(help: "What shows it was revoked.") var evidence: String?
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if let on, CalendarDate(on) == nil { throw ValidationError("--on takes a date as YYYY-MM-DD.") }
    }

    func run() async throws {
        let client = try options.client()
        let body = RevokeAccessGrantRequest(revokedOn: on.flatMap(CalendarDate.init), evidence: evidence)
        let reply = try await CLIErrors.run { try await client.send(.POST, AccessCommand.path("access-grants", grant, "revoke"), json: body, as: AccessGrant.self) }
        options.output.emit(raw: reply.json) {
            print("Revoked \(reply.value.label) of \(reply.value.holderName) on \(reply.value.revokedOn.map { HumanDate.day($0) } ?? "?").")
        }
    }
}

struct AccessPlan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "A handover's access plan.",
        discussion: "--draw adds a revoke and a grant line for each grant of the transferor not yet in it.")
    @Argument(help: "Handover id.") var handover: String
    @Flag(help: "Draw it from the account's inventory first.") var draw = false
    @Option(help: "Drop this pending line first (while the handover is open).") var drop: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        if let drop {
            _ = try await CLIErrors.run { try await client.send(.DELETE, AccessCommand.path("handovers", handover, "access-plan", drop), body: nil, as: EmptyReply.self) }
        }
        let reply = try await CLIErrors.run {
            draw
                ? try await client.send(.POST, AccessCommand.path("handovers", handover, "access-plan", "draw"), body: nil, as: AccessPlanResponse.self)
                : try await client.get(AccessCommand.path("handovers", handover, "access-plan"), as: AccessPlanResponse.self)
        }
        options.output.emit(raw: reply.json) { Self.print(reply.value) }
    }

    static func print(_ plan: AccessPlanResponse) {
        if plan.lines.isEmpty {
            Swift.print("The access plan is empty. 'handover access plan \(plan.handoverID) --draw' draws it from the account's grants.")
        } else {
            Table.print(
                ["LINE", "KIND", "SYSTEM", "ROLE", "MEMBER", "STATUS"],
                plan.lines.map { line in
                    let status =
                        switch line.status {
                        case .pending: "pending"
                        case .confirmed: "confirmed \(line.confirmedAt.map { HumanDate.day($0) } ?? "")"
                        case .declined: "declined: \(line.reason ?? "")"
                        }
                    return [line.id, line.kind.rawValue, line.system, line.role, line.memberName, status]
                })
        }
        if !plan.open.isEmpty {
            Swift.print((plan.gate ? "Completion waits for: " : "Open: ") + plan.open.map(\.message).joined(separator: "; ") + ".")
        }
    }
}

struct AccessAddLine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-line", abstract: "Add a line to a handover's access plan.",
        discussion: "A grant line (--system, --role, --member; the recipient by default) or the revocation of a grant (--revoke GRANT).")
    @Argument(help: "Handover id.") var handover: String
    @Option(help: "Revoke this grant of the account.") var revoke: String?
    @Option(help: "The system of a grant line.") var system: String?
    @Option(help: "The role of a grant line.") var role: String?
    @Option(help: "Who is granted it (email or id).") var member: String?
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if revoke != nil && (system != nil || role != nil || member != nil) { throw ValidationError("--revoke takes no --system, --role or --member.") }
        if revoke == nil && (system == nil || role == nil) { throw ValidationError("A grant line needs --system and --role (or use --revoke GRANT).") }
    }

    func run() async throws {
        let client = try options.client()
        let memberID = try await member.asyncMap { try await MemberLookup.id(of: $0, client: client) }
        let body = AddAccessPlanLineRequest(kind: revoke == nil ? .grant : .revoke, system: system, role: role, memberID: memberID, grantID: revoke)
        let reply = try await CLIErrors.run {
            try await client.send(.POST, AccessCommand.path("handovers", handover, "access-plan"), json: body, as: AccessPlanLine.self)
        }
        options.output.emit(raw: reply.json) { print("Added: \(reply.value.summary) (\(reply.value.id)).") }
    }
}

struct AccessConfirm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confirm", abstract: "Confirm or decline a line of an access plan.",
        discussion: "Confirming applies the line to the account's inventory.")
    @Argument(help: "Handover id.") var handover: String
    @Argument(help: "Line id ('handover access plan' lists them).") var line: String
    @Option(help: "What shows it was done.") var evidence: String?
    @Option(help: "Decline the line instead, for this reason.") var decline: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let body = SettleAccessPlanLineRequest(status: decline == nil ? .confirmed : .declined, evidence: evidence, reason: decline)
        let reply = try await CLIErrors.run {
            try await client.send(.POST, AccessCommand.path("handovers", handover, "access-plan", line, "confirm"), json: body, as: AccessPlanLine.self)
        }
        options.output.emit(raw: reply.json) { print("\(reply.value.status == .confirmed ? "Confirmed" : "Declined"): \(reply.value.summary).") }
    }
}

struct AccessLingering: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lingering", abstract: "Who handed an account over yet still holds access.",
        discussion: "Oldest first, with the days since their handover completed.")
    @Option(help: "Only this account.") var account: String?
    @Option(help: "Only this member (email or id).") var member: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        var query: [URLQueryItem] = []
        if let account { query.append(URLQueryItem(name: "account", value: account)) }
        if let member { query.append(URLQueryItem(name: "member", value: try await MemberLookup.id(of: member, client: client))) }
        var components = URLComponents()
        components.path = "/api/v1/access-lingering"
        components.queryItems = query.isEmpty ? nil : query
        let reply = try await CLIErrors.run { try await client.get(components.string ?? "/api/v1/access-lingering", as: ListResponse<LingeringAccessResponse>.self) }
        options.output.emit(raw: reply.json) {
            let items = reply.value.items
            if items.isEmpty { print("Nobody holds access to an account they handed over."); return }
            Table.print(
                ["GRANT", "MEMBER", "ACCOUNT", "SYSTEM", "ROLE", "SINCE", "DAYS"],
                items.map { [$0.grant.id, $0.memberName, $0.accountName, $0.grant.system, $0.grant.role, HumanDate.day($0.endedAt), String($0.days)] })
            print("Revoke each with 'handover access revoke GRANT --evidence …'.")
        }
    }
}
