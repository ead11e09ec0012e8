import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

/// `handover cover`: an account to a colleague while its owner is away, handed back by itself.
struct CoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cover", abstract: "Cover an account while its owner is away.",
        discussion: """
            A cover is a handover to a colleague with an end day. On that day \
            (00:00 UTC) the handback handover is drafted by itself, from whoever \
            holds the account then back to its owner, pre-filled with what changed \
            in the account's profile meanwhile. Covers chain: if the one covering \
            goes away too and is covered in turn, the first cover to end sends the \
            account back to its own owner and ends the covers that rested on it.
              handover cover start --account ACCOUNT --by bo@x.dev --until 2030-01-31
              handover cover list
              handover cover show ID
              handover cover end ID      (back early: hand it back now)
            """,
        subcommands: [CoverStartCommand.self, CoverListCommand.self, CoverShowCommand.self, CoverEndCommand.self]
    )

    static func describe(_ cover: Cover, names: [String: String]) {
        print("Cover \(cover.id): \(cover.state.rawValue)")
        print("  account:   \(cover.accountID)")
        print("  away:      \(names[cover.ownerID] ?? cover.ownerID)")
        print("  covered by \(names[cover.covererID] ?? cover.covererID) until \(HumanDate.day(cover.until))")
        print("  handover:  \(cover.handoverID)")
        if let handback = cover.handbackID { print("  handback:  \(handback) ('handover show \(handback)')") }
        if let reason = cover.reason { print("  note:      \(reason)") }
    }
}

struct CoverStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Hand an account to a colleague until a day.",
        discussion: "Its owner, their manager or an admin. The cover handover is a draft, pre-filled from the account's profile: complete it as any other.")
    @Option(help: "The account id.") var account: String
    @Option(help: ArgumentHelp("Who covers (email or member id).", valueName: "EMAIL")) var by: String
    @Option(help: ArgumentHelp("The day it is handed back, YYYY-MM-DD (after today).", valueName: "DAY")) var until: String
    @Option(help: "A template key (default: the account kind's).") var template: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        guard let day = CalendarDate(until) else { throw CLIError("--until \(until): write the day as YYYY-MM-DD.") }
        let client = try options.client()
        let body = CoverRequest(accountID: account, covererID: try await MemberLookup.id(of: by, client: client), until: day, templateKey: template)
        let reply = try await CLIErrors.run { try await client.send(.POST, "/api/v1/covers", json: body, as: Cover.self) }
        options.output.emit(raw: reply.json) {
            print("Cover \(reply.value.id) until \(HumanDate.day(day)): handover \(reply.value.handoverID) drafted.")
            print("Next: fill it in and submit it ('handover edit \(reply.value.handoverID)'); it comes back by itself on \(HumanDate.day(day)).")
        }
    }
}

struct CoverListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Covers, newest first.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/covers", as: ListResponse<Cover>.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty { print("No covers yet. Start one with 'handover cover start --account ID --by EMAIL --until DAY'."); return }
            Table.print(
                ["ID", "ACCOUNT", "AWAY", "COVERED BY", "UNTIL", "STATE"],
                reply.value.items.map { c in
                    [c.id, c.accountID, names[c.ownerID] ?? c.ownerID, names[c.covererID] ?? c.covererID, HumanDate.day(c.until), c.state.rawValue]
                })
        }
    }
}

struct CoverShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One cover: who, until when, how it ended.")
    @Argument(help: "The cover id ('handover cover list').") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get(AccessCommand.path("covers", id), as: Cover.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) { CoverCommand.describe(reply.value, names: names) }
    }
}

struct CoverEndCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "end", abstract: "End a cover now and draft the handback.",
        discussion: """
            Its owner, whoever covers, the owner's manager or an admin. While \
            a handover of the account is open (the cover handover not yet \
            completed, or another) it is refused, naming that handover: finish \
            or cancel it first. On its day the job waits for it instead.
            """)
    @Argument(help: "The cover id ('handover cover list').") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.send(.POST, AccessCommand.path("covers", id, "end"), body: nil, as: Cover.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) { CoverCommand.describe(reply.value, names: names) }
    }
}
