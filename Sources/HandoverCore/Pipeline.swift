import Foundation

/// An organization's process: the ordered stages an account passes through (Sales → Onboarding →
/// Customer success), each with the template of the hand-off into it. Stages keep their ids when
/// the pipeline is renamed or reordered, so accounts keep their place across edits.
public struct Pipeline: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var name: String
    public var stages: [PipelineStage]
    /// Incremented on every change; the ETag for optimistic concurrency.
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, organizationID: String, name: String, stages: [PipelineStage], version: Int = 1, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.stages = stages
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public func stage(id: String) -> PipelineStage? { stages.first { $0.id == id } }

    /// The stage after `id`, nil at the last stage (or for an unknown id).
    public func stage(after id: String) -> PipelineStage? {
        guard let index = stages.firstIndex(where: { $0.id == id }), index + 1 < stages.count else { return nil }
        return stages[index + 1]
    }
}

/// One step of a pipeline. `templateKey` is the template of the hand-off *into* this stage;
/// `defaultOwnerID` (optional) is who usually receives accounts here, and `team` a free label.
public struct PipelineStage: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var templateKey: String
    public var defaultOwnerID: String?
    public var team: String?

    public init(id: String, name: String, templateKey: String, defaultOwnerID: String? = nil, team: String? = nil) {
        self.id = id
        self.name = name
        self.templateKey = templateKey
        self.defaultOwnerID = defaultOwnerID
        self.team = team
    }
}

/// Where an account stands: its pipeline, its stage and since when.
public struct StagePlacement: Sendable, Hashable, Codable {
    public var accountID: String
    public var pipelineID: String
    public var stageID: String
    public var since: Date

    public init(accountID: String, pipelineID: String, stageID: String, since: Date) {
        self.accountID = accountID
        self.pipelineID = pipelineID
        self.stageID = stageID
        self.since = since
    }
}

/// How an account came to a stage.
public enum StageMoveKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Put in the pipeline (first time, or from another pipeline).
    case placed
    /// By a completed hand-off: the handover's recipient now holds it.
    case handedOff = "handed-off"
    /// Moved directly by an admin or a manager, without a hand-off.
    case moved
}

/// One recorded move of an account into a stage.
public struct StageMove: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var accountID: String
    public var pipelineID: String
    public var kind: StageMoveKind
    /// The stage it left, nil when it was placed.
    public var fromStageID: String?
    public var toStageID: String
    /// The owner before and after: equal unless the move was a hand-off.
    public var fromOwnerID: String
    public var toOwnerID: String
    public var handoverID: String?
    /// Who made the move (for a hand-off, who completed the handover).
    public var actorID: String
    public var at: Date

    public init(
        id: String, organizationID: String, accountID: String, pipelineID: String, kind: StageMoveKind, fromStageID: String?, toStageID: String,
        fromOwnerID: String, toOwnerID: String, handoverID: String?, actorID: String, at: Date
    ) {
        self.id = id
        self.organizationID = organizationID
        self.accountID = accountID
        self.pipelineID = pipelineID
        self.kind = kind
        self.fromStageID = fromStageID
        self.toStageID = toStageID
        self.fromOwnerID = fromOwnerID
        self.toOwnerID = toOwnerID
        self.handoverID = handoverID
        self.actorID = actorID
        self.at = at
    }
}

/// A hand-off started by "advance" and not yet completed: when its handover completes, the
/// account enters `toStageID` (if it still stands at `fromStageID`).
public struct PendingAdvance: Sendable, Hashable, Codable {
    public var handoverID: String
    public var accountID: String
    public var pipelineID: String
    public var fromStageID: String
    public var toStageID: String
    public var createdAt: Date

    public init(handoverID: String, accountID: String, pipelineID: String, fromStageID: String, toStageID: String, createdAt: Date) {
        self.handoverID = handoverID
        self.accountID = accountID
        self.pipelineID = pipelineID
        self.fromStageID = fromStageID
        self.toStageID = toStageID
        self.createdAt = createdAt
    }
}

/// A stay in one stage, derived from the moves: from entering it to the next move (or now).
public struct StageStay: Sendable, Hashable, Codable {
    public var pipelineID: String
    public var stageID: String
    public var ownerID: String
    public var from: Date
    /// Nil while the account is still there.
    public var until: Date?
    public var days: Int

    public init(pipelineID: String, stageID: String, ownerID: String, from: Date, until: Date?, days: Int) {
        self.pipelineID = pipelineID
        self.stageID = stageID
        self.ownerID = ownerID
        self.from = from
        self.until = until
        self.days = days
    }

    /// Every stay, oldest first, from moves sorted oldest first. Each move ends the stay before it.
    public static func stays(_ moves: [StageMove], now: Date) -> [StageStay] {
        moves.enumerated().map { index, move in
            let until = index + 1 < moves.count ? moves[index + 1].at : nil
            return StageStay(
                pipelineID: move.pipelineID, stageID: move.toStageID, ownerID: move.toOwnerID, from: move.at, until: until,
                days: wholeDays(from: move.at, to: until ?? now))
        }
    }

    /// Whole days elapsed (24-hour periods), never negative.
    public static func wholeDays(from: Date, to: Date) -> Int { max(0, Int(to.timeIntervalSince(from) / 86_400)) }
}

/// One account on the board.
public struct BoardCard: Sendable, Hashable, Codable {
    public var accountID: String
    public var name: String
    public var ownerID: String
    public var since: Date
    public var daysInStage: Int
    public var nextDue: CalendarDate?
    /// An open item was due before today.
    public var overdue: Bool
    public var tags: [String]

    public init(accountID: String, name: String, ownerID: String, since: Date, daysInStage: Int, nextDue: CalendarDate?, overdue: Bool, tags: [String]) {
        self.accountID = accountID
        self.name = name
        self.ownerID = ownerID
        self.since = since
        self.daysInStage = daysInStage
        self.nextDue = nextDue
        self.overdue = overdue
        self.tags = tags
    }
}

/// Who may shape pipelines and place accounts: the rules, pure.
public enum PipelineAccess {
    /// Pipelines are the organization's process: admins define them.
    public static func canDefine(_ actor: Member) -> Bool { actor.role == .admin }

    /// Admins and managers place any account; an owner places their own, once (moving it on
    /// afterwards is a hand-off or a manager's direct move).
    public static func canPlace(_ account: Account, alreadyPlaced: Bool, actor: Member) -> Bool {
        switch actor.role {
        case .admin, .manager: true
        case .member: !alreadyPlaced && account.ownerID == actor.id
        case .auditor: false
        }
    }

    /// A direct move (no hand-off) is a manager's or an admin's decision, recorded with their name.
    public static func canMoveDirectly(_ actor: Member) -> Bool { actor.role == .admin || actor.role == .manager }
}
