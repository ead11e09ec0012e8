import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

/// `handover realign`: many accounts to new owners at once, from a CSV or rules.
struct RealignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "realign", abstract: "Move many accounts to new owners (CSV or rules).",
        discussion: """
            One draft handover per account that moves, from its current owner to \
            the new one, pre-filled from the account's profile. A territory \
            redrawn, a team restructured. From a CSV whose header names \
            account (id or exact name) and new_owner (email or id), optionally \
            note (for the new owner) and template:
              account,new_owner,note
              Acme,bo@x.dev,"Renewal in March, call first"
            or from rules, first match wins, over every account (or --owner's):
              handover realign plan --csv territories.csv
              handover realign plan --rule tag:north=team:North --owner ann@x.dev
              handover realign apply --csv territories.csv
              handover realign list
              handover realign show ID
            A bad row (unknown account or member, a duplicate, a malformed \
            line) is named by its line and nothing is applied. plan writes \
            nothing; apply prints its Idempotency-Key: run it again with \
            --idempotency-key K after a failure and nothing is done twice.
            """,
        subcommands: [RealignPlanCommand.self, RealignApplyCommand.self, RealignListCommand.self, RealignShowCommand.self]
    )
}

/// The options plan and apply share, turned into the request body.
struct RealignOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The CSV file ('-' reads standard input).", valueName: "FILE")) var csv: String?
    @Option(help: ArgumentHelp("Tag or kind to a member, or to a team.", valueName: "tag:T=EMAIL|kind:K=team:NAME")) var rule: [String] = []
    @Option(help: ArgumentHelp("With --rule: only accounts this member owns.", valueName: "EMAIL")) var owner: [String] = []

    func request(client: HandoverAPIClient, skipConflicts: Bool) async throws -> RealignmentRequest {
        guard (csv == nil) != rule.isEmpty else { throw CLIError("Give --csv FILE or --rule (one or more), not both or neither.") }
        var text: String?
        if let csv {
            do {
                let data = csv == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: csv))
                guard let decoded = String(data: data, encoding: .utf8) else { throw CLIError("\(csv) is not UTF-8 text: save the CSV as UTF-8.") }
                text = decoded
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError("Cannot read \(csv): \(error.localizedDescription)")
            }
        }
        let rules = try await RuleText.rules(rule, client: client)
        var owners: [String] = []
        for who in owner { owners.append(try await MemberLookup.id(of: who, client: client)) }
        return RealignmentRequest(csv: text, rules: rules, owners: owners, skipConflicts: skipConflicts)
    }
}

struct RealignPlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plan", abstract: "Show which accounts move, conflicts first.")
    @OptionGroup var realign: RealignOptions
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let body = try await realign.request(client: client, skipConflicts: false)
        let reply = try await CLIErrors.run { try await client.send(.POST, "/api/v1/realignments/preview", json: body, as: RealignmentPlan.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            let plan = reply.value
            RuleText.printConflicts(plan.conflicts)
            Table.print(
                ["LINE", "ACCOUNT", "FROM", "TO", "TEMPLATE", "CONFLICT"],
                plan.lines.map { line in
                    [
                        line.line.map(String.init) ?? "-", line.accountName, names[line.fromID] ?? line.fromID, names[line.toID] ?? line.toID, line.templateKey,
                        line.conflict?.rawValue ?? "",
                    ]
                })
            print("\n\(plan.applicable.count) of \(plan.lines.count) account(s) ready to move; \(plan.unchanged) already with their new owner.")
            if !plan.conflicts.isEmpty { print("Next: resolve the conflicts, or apply with --skip-conflicts.") }
        }
    }
}

struct RealignApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Draft every move's handover, all or nothing.",
        discussion: "Prints the Idempotency-Key it used; a retry with the same key and options is safe.")
    @OptionGroup var realign: RealignOptions
    @Flag(help: "Skip conflicting accounts instead of refusing.") var skipConflicts = false
    @Option(help: "Reuse the key a failed attempt printed.") var idempotencyKey: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let body = try await realign.request(client: client, skipConflicts: skipConflicts)
        let reply = try await IdempotentPost.send(
            body, to: "/api/v1/realignments", key: idempotencyKey, client: client, options: options, as: RealignmentSummary.self)
        options.output.emit(raw: reply.json) {
            let s = reply.value
            print("Realignment \(s.id) applied: \(s.handoversCreated) handover(s) drafted, \(s.unchanged) account(s) already with their new owner.")
            for conflict in s.skipped { print("  skipped: " + conflict.message) }
            print("Next: each current owner completes their draft ('handover list --state draft'); ownership moves when a handover completes.")
        }
    }
}

struct RealignListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Realignments, newest first.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/realignments", as: ListResponse<RealignmentSummary>.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty { print("No realignments yet. Plan one with 'handover realign plan --csv FILE'."); return }
            Table.print(
                ["ID", "FROM", "BY", "WHEN", "HANDOVERS", "SKIPPED"],
                reply.value.items.map { s in
                    [s.id, s.source, names[s.createdBy] ?? s.createdBy, HumanDate.format(s.createdAt), String(s.handoversCreated), String(s.skipped.count)]
                })
        }
    }
}

struct RealignShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One realignment and the handovers it drafted.")
    @Argument(help: "The realignment id ('handover realign list').") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get(AccessCommand.path("realignments", id), as: RealignmentSummary.self) }
        let handovers = try await CLIErrors.run { try await client.get(AccessCommand.path("realignments", id, "handovers"), as: ListResponse<Handover>.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            let s = reply.value
            print("Realignment \(s.id) (from \(s.source)): \(s.state) \(HumanDate.format(s.createdAt)) by \(names[s.createdBy] ?? s.createdBy)")
            print("  handovers:   \(s.handoversCreated)")
            print("  unchanged:   \(s.unchanged)")
            for conflict in s.skipped { print("  skipped:     " + conflict.message) }
            if !handovers.value.items.isEmpty {
                print("")
                Table.print(
                    ["HANDOVER", "FROM", "TO", "STATE"],
                    handovers.value.items.map { h in
                        [h.id, names[h.transferorID] ?? h.transferorID, names[h.recipientID] ?? h.recipientID, h.state.rawValue]
                    })
            }
        }
    }
}
