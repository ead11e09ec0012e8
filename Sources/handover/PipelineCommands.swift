import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

/// `handover pipeline`: the stages accounts pass through, and the board of each pipeline.
struct PipelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline", abstract: "Define pipelines of stages; see a pipeline's board.",
        discussion: """
            A pipeline is an ordered list of stages (Sales → Onboarding → Success), each \
            with the template of the hand-off into it. Admins define them:
              handover pipeline create --name Customers \\
                --stage Sales=customer-account --stage Onboarding=project,owner=EMAIL
              handover pipeline edit PIPELINE --stage Onboarding=… --stage Sales=…
              handover pipeline board PIPELINE [--owner EMAIL] [--tag TAG]
            A stage is NAME=TEMPLATE, then optional ,owner=MEMBER ,team=TEAM ,id=STAGE.
            Accounts: 'handover accounts stage|advance|journey'.
            """,
        subcommands: [PipelineList.self, PipelineShow.self, PipelineCreate.self, PipelineEdit.self, PipelineBoardCommand.self]
    )

    /// A pipeline by id, or by its name (exactly, ignoring case).
    static func id(of text: String, client: HandoverAPIClient) async throws -> String {
        let list = try await CLIErrors.run { try await client.get("/api/v1/pipelines", as: ListResponse<Pipeline>.self) }.value.items
        if let found = list.first(where: { $0.id == text || $0.name.lowercased() == text.lowercased() }) { return found.id }
        throw CLIError("No pipeline \(text) in your organization; 'handover pipeline list' shows them.", kind: .usage)
    }

    /// `NAME=TEMPLATE[,owner=MEMBER][,team=TEAM][,id=STAGE]`, the member as an id or an email.
    static func stage(_ spec: String, client: HandoverAPIClient) async throws -> PipelineStageRequest {
        var parts = spec.split(separator: ",", omittingEmptySubsequences: false).map { String($0) }
        let head = parts.removeFirst().split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
        guard head.count == 2, !head[0].isEmpty, !head[1].isEmpty else {
            throw ValidationError("--stage \(spec): write NAME=TEMPLATE, e.g. Onboarding=customer-account")
        }
        var stage = PipelineStageRequest(name: head[0], templateKey: head[1])
        for part in parts {
            let pair = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, !pair[1].isEmpty else { throw ValidationError("--stage \(spec): \(part) is not KEY=VALUE (owner, team or id)") }
            switch pair[0] {
            case "owner": stage.defaultOwnerID = try await MemberLookup.id(of: pair[1], client: client)
            case "team": stage.team = pair[1]
            case "id": stage.id = pair[1]
            default: throw ValidationError("--stage \(spec): \(pair[0]) is not one of owner, team, id")
            }
        }
        return stage
    }

    static func print(_ pipeline: Pipeline, names: [String: String]) {
        Swift.print("\(pipeline.name)  \(pipeline.id)  (version \(pipeline.version))")
        for (index, stage) in pipeline.stages.enumerated() {
            let owner = stage.defaultOwnerID.map { ", usually \(names[$0] ?? $0)" } ?? ""
            Swift.print("  \(index + 1). \(stage.name)  [\(stage.id)]  hand-off: \(stage.templateKey)\(owner)\(stage.team.map { ", team \($0)" } ?? "")")
        }
    }
}

struct PipelineList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List your organization's pipelines.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/pipelines", as: ListResponse<Pipeline>.self) }
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty { print("No pipelines. An admin creates one with 'handover pipeline create'."); return }
            Table.print(["ID", "NAME", "STAGES"], reply.value.items.map { [$0.id, $0.name, $0.stages.map(\.name).joined(separator: " > ")] })
        }
    }
}

struct PipelineShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a pipeline's stages and their templates.")
    @Argument(help: "Pipeline id or name.") var pipeline: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let id = try await PipelineCommand.id(of: pipeline, client: client)
        let reply = try await CLIErrors.run { try await client.get("/api/v1/pipelines/\(id)", as: Pipeline.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) { PipelineCommand.print(reply.value, names: names) }
    }
}

struct PipelineCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a pipeline (admins).",
        discussion: "Stages in order; each NAME=TEMPLATE[,owner=MEMBER][,team=TEAM].")
    @Option(help: "The pipeline's name.") var name: String
    @Option(name: .customLong("stage"), help: "A stage, in order (repeat).") var stages: [String] = []
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        if stages.isEmpty { throw ValidationError("give the stages in order: --stage Sales=customer-account --stage Onboarding=…") }
        var list: [PipelineStageRequest] = []
        for spec in stages { list.append(try await PipelineCommand.stage(spec, client: client)) }
        let body = CreatePipelineRequest(name: name, stages: list)
        let reply = try await CLIErrors.run { try await client.send(.POST, "/api/v1/pipelines", json: body, as: Pipeline.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            print("Created pipeline \(reply.value.name) (\(reply.value.id)).")
            PipelineCommand.print(reply.value, names: names)
        }
    }
}

struct PipelineEdit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit", abstract: "Rename a pipeline, or give its stages anew (admins).",
        discussion: """
            --stage lists every stage in the new order. A stage keeps its id (and its \
            accounts) when it has the name of an existing stage or says ,id=STAGE (to \
            rename it). A stage left out is removed: refused while accounts are in it.
            """)
    @Argument(help: "Pipeline id or name.") var pipeline: String
    @Option(help: "A new name.") var name: String?
    @Option(name: .customLong("stage"), help: "A stage, in the new order (repeat).") var stages: [String] = []
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        if name == nil && stages.isEmpty { throw ValidationError("say what to change: --name, or the stages in order with --stage") }
        let id = try await PipelineCommand.id(of: pipeline, client: client)
        let current = try await CLIErrors.run { try await client.get("/api/v1/pipelines/\(id)", as: Pipeline.self) }
        var list: [PipelineStageRequest]?
        if !stages.isEmpty {
            var given: [PipelineStageRequest] = []
            for spec in stages {
                var stage = try await PipelineCommand.stage(spec, client: client)
                if stage.id == nil { stage.id = current.value.stages.first { $0.name.lowercased() == stage.name.lowercased() }?.id }
                given.append(stage)
            }
            list = given
        }
        let body = UpdatePipelineRequest(name: name, stages: list)
        let reply = try await CLIErrors.run {
            try await client.send(.PUT, "/api/v1/pipelines/\(id)", json: body, ifMatch: current.etag, as: Pipeline.self)
        }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            print("Saved pipeline \(reply.value.name) (version \(reply.value.version)).")
            PipelineCommand.print(reply.value, names: names)
        }
    }
}

struct PipelineBoardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "board", abstract: "A pipeline's accounts, stage by stage.",
        discussion: "OVERDUE marks an account with an open item due before today.")
    @Argument(help: "Pipeline id or name.") var pipeline: String
    @Option(help: "Only accounts of this owner (email or id).") var owner: String?
    @Option(help: "Only accounts with this tag.") var tag: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let id = try await PipelineCommand.id(of: pipeline, client: client)
        var query: [String] = []
        if let owner { query.append("owner=\(try await MemberLookup.id(of: owner, client: client))") }
        if let tag { query.append("tag=\(tag.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")") }
        let path = "/api/v1/pipelines/\(id)/board" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        let reply = try await CLIErrors.run { try await client.get(path, as: PipelineBoardResponse.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            print(reply.value.pipeline.name)
            for column in reply.value.columns {
                print("\n\(column.stage.name) (\(column.cards.count))")
                if column.cards.isEmpty { print("  no accounts"); continue }
                Table.print(
                    ["ACCOUNT", "NAME", "OWNER", "DAYS", "NEXT DUE", ""],
                    column.cards.map { card in
                        [
                            card.accountID, card.name, names[card.ownerID] ?? card.ownerID, String(card.daysInStage), card.nextDue.map(HumanDate.day) ?? "-",
                            card.overdue ? "OVERDUE" : "",
                        ]
                    })
            }
        }
    }
}

// MARK: An account's stage

struct AccountJourneyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journey", abstract: "Where an account stands, and every hand-off so far.")
    @Argument(help: "Account id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/accounts/\(id)/journey", as: AccountJourneyResponse.self) }
        let pipelines = try await CLIErrors.run { try await client.get("/api/v1/pipelines", as: ListResponse<Pipeline>.self) }.value.items
        let names = try await MemberLookup.names(client: client)
        func stage(_ stageID: String?, _ pipelineID: String) -> String {
            guard let stageID else { return "-" }
            return pipelines.first { $0.id == pipelineID }?.stage(id: stageID)?.name ?? stageID
        }
        options.output.emit(raw: reply.json) {
            let j = reply.value
            if let placement = j.placement {
                print(
                    "\(j.stageName ?? placement.stageID) in \(j.pipelineName ?? placement.pipelineID), held by \(names[j.ownerID] ?? j.ownerID) "
                        + "for \(j.daysInStage ?? 0) days (since \(HumanDate.format(placement.since))).")
            } else {
                print("In no pipeline. Place it: handover accounts stage \(j.accountID) --pipeline P --stage S")
            }
            if let pending = j.pending {
                print("Hand-off to \(stage(pending.toStageID, pending.pipelineID)) under way: handover \(pending.handoverID).")
            }
            if j.moves.isEmpty { return }
            print("")
            Table.print(
                ["WHEN", "FROM", "TO", "OWNER", "HOW", "DAYS"],
                zip(j.moves, j.stays).map { move, stay in
                    let owner =
                        move.fromOwnerID == move.toOwnerID
                        ? names[move.toOwnerID] ?? move.toOwnerID
                        : "\(names[move.fromOwnerID] ?? move.fromOwnerID) > \(names[move.toOwnerID] ?? move.toOwnerID)"
                    return [
                        HumanDate.format(move.at), stage(move.fromStageID, move.pipelineID), stage(move.toStageID, move.pipelineID), owner,
                        move.handoverID.map { "handover \($0)" } ?? move.kind.rawValue, "\(stay.days)\(stay.until == nil ? "+" : "")",
                    ]
                })
        }
    }
}

struct AccountStageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stage", abstract: "Place an account at a stage, or move it directly.",
        discussion: """
            Its owner, a manager or an admin places an account; once placed, it moves on by a \
            hand-off ('advance'), or a manager or an admin moves it here directly (recorded).
            """)
    @Argument(help: "Account id.") var account: String
    @Option(help: "Pipeline id or name.") var pipeline: String
    @Option(help: "Stage id or name.") var stage: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let pipelineID = try await PipelineCommand.id(of: pipeline, client: client)
        let found = try await CLIErrors.run { try await client.get("/api/v1/pipelines/\(pipelineID)", as: Pipeline.self) }.value
        let stageID = found.stages.first { $0.id == stage || $0.name.lowercased() == stage.lowercased() }?.id ?? stage
        let body = PlaceAccountRequest(pipelineID: pipelineID, stageID: stageID)
        let reply = try await CLIErrors.run { try await client.send(.PUT, "/api/v1/accounts/\(account)/stage", json: body, as: AccountJourneyResponse.self) }
        options.output.emit(raw: reply.json) {
            print("\(account) is at \(reply.value.stageName ?? stageID) in \(reply.value.pipelineName ?? found.name).")
        }
    }
}

struct AccountAdvanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advance", abstract: "Hand an account to its pipeline's next stage.",
        discussion: """
            Starts a handover on the next stage's template, to --to or the stage's usual \
            owner. The account enters the stage when that handover completes.
            """)
    @Argument(help: "Account id.") var account: String
    @Option(help: "The recipient (email or id); default: the stage's usual owner.") var to: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let body = AdvanceAccountRequest(recipientID: try await to.asyncMap { try await MemberLookup.id(of: $0, client: client) })
        let reply = try await CLIErrors.run { try await client.send(.POST, "/api/v1/accounts/\(account)/advance", json: body, as: AdvanceAccountResponse.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            let a = reply.value
            print("Started handover \(a.handoverID) to \(names[a.recipientID] ?? a.recipientID) on template \(a.templateKey).")
            print("Next: fill it in ('handover edit \(a.handoverID)') and submit it; the account moves when it completes.")
        }
    }
}
