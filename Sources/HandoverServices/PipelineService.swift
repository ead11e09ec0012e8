import Foundation
import HandoverCore
import HandoverStore

/// Process stages: pipelines an organization's admins define, where each account stands in one,
/// the hand-offs that move it on, its journey and the board. Every member may read pipelines,
/// boards and journeys (as they may read accounts); the rules of who changes what are
/// `PipelineAccess` and, for a hand-off, `HandoverService.begin`'s own.
public struct PipelineService: Sendable {
    let store: any HandoverStore
    let handovers: HandoverService
    let clock: WallClock
    let ids: IDMaker

    /// Limits, as the spec's maxLength and maxItems count them.
    public static let nameLimit = 100, stageLimit = 20, teamLimit = 100

    /// A stage as an admin sends it: with the id of a stage it keeps, without one for a new stage.
    public struct StageInput: Sendable, Hashable {
        public var id: String?
        public var name: String
        public var templateKey: String
        public var defaultOwnerID: String?
        public var team: String?

        public init(id: String? = nil, name: String, templateKey: String, defaultOwnerID: String? = nil, team: String? = nil) {
            self.id = id
            self.name = name
            self.templateKey = templateKey
            self.defaultOwnerID = defaultOwnerID
            self.team = team
        }
    }

    // MARK: Pipelines

    public func create(name: String, stages: [StageInput], by actor: Member) async throws -> Pipeline {
        guard PipelineAccess.canDefine(actor) else {
            throw HandoverError.notPermitted(action: "define a pipeline", reason: "only admins define pipelines")
        }
        let now = clock.now()
        let (name, checked) = try await validate(name: name, stages: stages, existing: nil, at: now, by: actor)
        let pipeline = Pipeline(id: ids.next(at: now), organizationID: actor.organizationID, name: name, stages: checked, createdAt: now, updatedAt: now)
        try await store.createPipeline(pipeline, by: AuditActor(member: actor.id))
        return pipeline
    }

    /// Renames and/or restages a pipeline. Stages sent with their id keep it (and the accounts in
    /// them); a stage left out is removed, which the store refuses while accounts stand in it.
    public func update(id: String, name: String?, stages: [StageInput]?, expectedVersion: Int?, by actor: Member) async throws -> Pipeline {
        var pipeline = try await pipeline(id: id, by: actor)
        guard PipelineAccess.canDefine(actor) else {
            throw HandoverError.notPermitted(action: "edit this pipeline", reason: "only admins edit pipelines")
        }
        if let expectedVersion, expectedVersion != pipeline.version {
            throw StoreError.stale("pipeline \(id) is at version \(pipeline.version), not \(expectedVersion)")
        }
        let now = clock.now()
        let (newName, checked) = try await validate(
            name: name ?? pipeline.name, stages: stages ?? pipeline.stages.map(Self.input), existing: pipeline, at: now, by: actor)
        let read = pipeline.version
        pipeline.name = newName
        pipeline.stages = checked
        pipeline.version += 1
        pipeline.updatedAt = now
        try await store.updatePipeline(pipeline, expectedVersion: read, by: AuditActor(member: actor.id))
        return pipeline
    }

    public func delete(id: String, by actor: Member) async throws {
        let pipeline = try await pipeline(id: id, by: actor)
        guard PipelineAccess.canDefine(actor) else {
            throw HandoverError.notPermitted(action: "delete this pipeline", reason: "only admins delete pipelines")
        }
        try await store.deletePipeline(id: pipeline.id, organizationID: actor.organizationID, at: clock.now(), by: AuditActor(member: actor.id))
    }

    /// A pipeline of the caller's organization; 404 for any other.
    public func pipeline(id: String, by actor: Member) async throws -> Pipeline {
        guard let pipeline = try await store.pipeline(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("pipeline \(id)") }
        return pipeline
    }

    public func pipelines(by actor: Member) async throws -> [Pipeline] {
        try await store.pipelines(organizationID: actor.organizationID)
    }

    static func input(_ stage: PipelineStage) -> StageInput {
        StageInput(id: stage.id, name: stage.name, templateKey: stage.templateKey, defaultOwnerID: stage.defaultOwnerID, team: stage.team)
    }

    /// Every problem at once, each at its JSON path; new stages get their ids here.
    func validate(name: String, stages: [StageInput], existing: Pipeline?, at now: Date, by actor: Member) async throws -> (String, [PipelineStage]) {
        var problems: [Problem] = []
        let name = CustodyService.text(name, "name", limit: Self.nameLimit, required: true, &problems)
        if stages.isEmpty || stages.count > Self.stageLimit {
            problems.append(Problem(path: "stages", message: "give 1 to \(Self.stageLimit) stages, in order"))
        }
        let templateKeys = Set(try await handovers.templates.templates(organizationID: actor.organizationID).map(\.key))
        let members = Dictionary(try await store.members(organizationID: actor.organizationID).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let known = Set(existing?.stages.map(\.id) ?? [])
        var names: Set<String> = [], usedIDs: Set<String> = []
        var checked: [PipelineStage] = []
        for (index, stage) in stages.enumerated() {
            let at = "stages[\(index)]"
            let stageName = CustodyService.text(stage.name, "\(at).name", limit: Self.nameLimit, required: true, &problems)
            if !stageName.isEmpty, !names.insert(stageName.lowercased()).inserted {
                problems.append(Problem(path: "\(at).name", message: "another stage is already called \(stageName)"))
            }
            let key = stage.templateKey.trimmingCharacters(in: .whitespaces)
            if !templateKeys.contains(key) {
                problems.append(Problem(path: "\(at).templateKey", message: "no template \(key.isEmpty ? "(empty)" : key) in your organization; see the templates list"))
            }
            if let owner = stage.defaultOwnerID {
                if let member = members[owner] {
                    if member.role == .auditor { problems.append(Problem(path: "\(at).defaultOwnerID", message: "an auditor cannot hold accounts")) }
                } else {
                    problems.append(Problem(path: "\(at).defaultOwnerID", message: "no member \(owner) in your organization"))
                }
            }
            let team = CustodyService.text(stage.team ?? "", "\(at).team", limit: Self.teamLimit, required: false, &problems)
            var id = ids.next(at: now)
            if let given = stage.id {
                if !known.contains(given) {
                    problems.append(Problem(path: "\(at).id", message: "not a stage of this pipeline; leave the id out for a new stage"))
                } else if !usedIDs.insert(given).inserted {
                    problems.append(Problem(path: "\(at).id", message: "stage \(given) is listed twice"))
                }
                id = given
            }
            checked.append(PipelineStage(id: id, name: stageName, templateKey: key, defaultOwnerID: stage.defaultOwnerID, team: team.isEmpty ? nil : team))
        }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        try CredentialGuard.refuse(
            CredentialScan.findings(
                [("name", name)]
                    + checked.enumerated().flatMap { index, stage in
                        [("stages[\(index)].name", stage.name), ("stages[\(index)].team", stage.team)] as [(String, String?)]
                    }))
        return (name, checked)
    }

    // MARK: Placing and moving accounts

    /// Puts the account at `stageID` of the pipeline. An account in no pipeline is placed by its
    /// owner, a manager or an admin; once placed, only managers and admins move it without a
    /// hand-off (within the pipeline: a direct move; to another pipeline: placed anew).
    public func place(accountID: String, pipelineID: String, stageID: String, by actor: Member) async throws -> StagePlacement {
        let account = try await handovers.accounts.account(id: accountID, by: actor)
        let pipeline = try await pipeline(id: pipelineID, by: actor)
        let current = try await store.stagePlacement(accountID: account.id, organizationID: actor.organizationID)
        guard PipelineAccess.canPlace(account, alreadyPlaced: current != nil, actor: actor) else {
            throw HandoverError.notPermitted(
                action: current == nil ? "place this account" : "move this account",
                reason: current == nil
                    ? "only its owner, a manager or an admin place an account" : "it moves on by a hand-off ('advance'), or a manager or an admin moves it directly")
        }
        guard pipeline.stage(id: stageID) != nil else {
            throw HandoverError.invalid([
                Problem(path: "stageID", message: "not a stage of \(pipeline.name); its stages: \(pipeline.stages.map(\.id).joined(separator: ", "))")
            ])
        }
        if let current, current.pipelineID == pipeline.id, current.stageID == stageID { return current }
        if let open = try await store.openAdvance(accountID: account.id, organizationID: actor.organizationID) {
            throw HandoverError.conflict("a hand-off of this account is under way (handover \(open.handoverID)): complete or cancel it before moving the account")
        }
        let now = clock.now()
        let samePipeline = current?.pipelineID == pipeline.id
        let move = StageMove(
            id: ids.next(at: now), organizationID: actor.organizationID, accountID: account.id, pipelineID: pipeline.id, kind: samePipeline ? .moved : .placed,
            fromStageID: samePipeline ? current?.stageID : nil, toStageID: stageID, fromOwnerID: account.ownerID, toOwnerID: account.ownerID, handoverID: nil,
            actorID: actor.id, at: now)
        try await store.moveAccount(move, expected: current, by: AuditActor(member: actor.id))
        return StagePlacement(accountID: account.id, pipelineID: pipeline.id, stageID: stageID, since: now)
    }

    /// Starts the hand-off to the next stage: a handover on that stage's template, to
    /// `recipientID` or the stage's default owner. The account enters the stage when the
    /// handover completes (with its owner: see `Docs/Pipelines.md`).
    public func advance(accountID: String, recipientID: String?, by actor: Member) async throws -> (handover: Handover, advance: PendingAdvance) {
        let account = try await handovers.accounts.account(id: accountID, by: actor)
        guard let placement = try await store.stagePlacement(accountID: account.id, organizationID: actor.organizationID) else {
            throw HandoverError.conflict("\(account.name) is in no pipeline: place it at a stage first")
        }
        let pipeline = try await pipeline(id: placement.pipelineID, by: actor)
        guard let next = pipeline.stage(after: placement.stageID) else {
            throw HandoverError.conflict("\(account.name) is at the last stage of \(pipeline.name): there is no next stage to hand it to")
        }
        guard let recipient = recipientID ?? next.defaultOwnerID else {
            throw HandoverError.invalid([Problem(path: "recipientID", message: "name the recipient: stage \(next.name) has no default owner")])
        }
        let handover = try await handovers.begin(
            accountID: account.id, recipientID: recipient, templateKey: next.templateKey, templateVersion: nil, content: nil, prefill: true, by: actor,
            into: (pipelineID: pipeline.id, fromStageID: placement.stageID, toStageID: next.id))
        return (
            handover,
            PendingAdvance(
                handoverID: handover.id, accountID: account.id, pipelineID: pipeline.id, fromStageID: placement.stageID, toStageID: next.id,
                createdAt: handover.createdAt)
        )
    }

    // MARK: Reading

    /// The account, or 404 for another organization's: what a route checks before reading a body.
    public func account(id: String, by actor: Member) async throws -> Account {
        try await handovers.accounts.account(id: id, by: actor)
    }

    /// Where the account stands, every move so far and the stays they make, and a hand-off under way.
    public func journey(accountID: String, by actor: Member) async throws -> AccountJourney {
        let account = try await handovers.accounts.account(id: accountID, by: actor)
        async let placementRead = store.stagePlacement(accountID: account.id, organizationID: actor.organizationID)
        async let movesRead = store.stageMoves(accountID: account.id, organizationID: actor.organizationID)
        async let pendingRead = store.openAdvance(accountID: account.id, organizationID: actor.organizationID)
        async let pipelinesRead = store.pipelines(organizationID: actor.organizationID)
        let (placement, moves, pending, pipelines) = (try await placementRead, try await movesRead, try await pendingRead, try await pipelinesRead)
        let used = Set(moves.map(\.pipelineID) + [placement?.pipelineID].compactMap { $0 })
        return AccountJourney(
            account: account, placement: placement, moves: moves, stays: StageStay.stays(moves, now: clock.now()), pending: pending,
            pipelines: pipelines.filter { used.contains($0.id) }, now: clock.now())
    }

    /// The board: the pipeline's stages in order, each with its accounts (one query for all of them).
    public func board(pipelineID: String, ownerID: String?, tag: String?, by actor: Member) async throws -> PipelineBoard {
        let pipeline = try await pipeline(id: pipelineID, by: actor)
        if let ownerID, try await store.member(id: ownerID, organizationID: actor.organizationID) == nil { throw StoreError.notFound("member \(ownerID)") }
        let rows = try await store.board(pipelineID: pipeline.id, organizationID: actor.organizationID, ownerID: ownerID, tag: tag)
        let now = clock.now()
        let today = CalendarDate(now)
        var byStage: [String: [BoardCard]] = [:]
        for (account, placement) in rows {
            let due = account.profile.nextDue
            byStage[placement.stageID, default: []].append(
                BoardCard(
                    accountID: account.id, name: account.name, ownerID: account.ownerID, since: placement.since,
                    daysInStage: StageStay.wholeDays(from: placement.since, to: now), nextDue: due, overdue: due.map { $0 < today } ?? false,
                    tags: account.profile.tags))
        }
        return PipelineBoard(
            pipeline: pipeline, columns: pipeline.stages.map { BoardColumn(stage: $0, cards: byStage[$0.id] ?? []) }, ownerID: ownerID,
            tag: tag.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }, today: today)
    }
}

/// An account's way through the pipelines.
public struct AccountJourney: Sendable {
    public var account: Account
    public var placement: StagePlacement?
    /// Oldest first.
    public var moves: [StageMove]
    public var stays: [StageStay]
    public var pending: PendingAdvance?
    /// The pipelines its moves name, for their stages' names.
    public var pipelines: [Pipeline]
    public var now: Date

    public init(account: Account, placement: StagePlacement?, moves: [StageMove], stays: [StageStay], pending: PendingAdvance?, pipelines: [Pipeline], now: Date) {
        self.account = account
        self.placement = placement
        self.moves = moves
        self.stays = stays
        self.pending = pending
        self.pipelines = pipelines
        self.now = now
    }

    public func pipeline(_ id: String) -> Pipeline? { pipelines.first { $0.id == id } }

    /// A stage's name, or its id once removed from its pipeline.
    public func stageName(_ stageID: String?, in pipelineID: String) -> String {
        guard let stageID else { return "—" }
        return pipeline(pipelineID)?.stage(id: stageID)?.name ?? stageID
    }
}

public struct BoardColumn: Sendable, Hashable {
    public var stage: PipelineStage
    public var cards: [BoardCard]
}

public struct PipelineBoard: Sendable {
    public var pipeline: Pipeline
    public var columns: [BoardColumn]
    public var ownerID: String?
    public var tag: String?
    public var today: CalendarDate
}
