import Foundation
import HandoverCore

// Bodies of the pipeline endpoints. A pipeline is sent as `Pipeline` itself, a move as `StageMove`.

/// A stage in `POST /pipelines` and `PUT /pipelines/{id}`: with the id of a stage it keeps
/// (its accounts stay in it), without one for a new stage.
public struct PipelineStageRequest: Codable, Sendable, Hashable {
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

/// `POST /pipelines`.
public struct CreatePipelineRequest: Codable, Sendable {
    public var name: String
    public var stages: [PipelineStageRequest]

    public init(name: String, stages: [PipelineStageRequest]) {
        self.name = name
        self.stages = stages
    }
}

/// `PUT /pipelines/{id}`: the new name and/or the whole list of stages, in their new order. A
/// stage left out is removed (409 while accounts stand in it).
public struct UpdatePipelineRequest: Codable, Sendable {
    public var name: String?
    public var stages: [PipelineStageRequest]?

    public init(name: String? = nil, stages: [PipelineStageRequest]? = nil) {
        self.name = name
        self.stages = stages
    }
}

/// `PUT /accounts/{id}/stage`.
public struct PlaceAccountRequest: Codable, Sendable {
    public var pipelineID: String
    public var stageID: String

    public init(pipelineID: String, stageID: String) {
        self.pipelineID = pipelineID
        self.stageID = stageID
    }
}

/// `POST /accounts/{id}/advance`: the recipient, when not the next stage's default owner.
public struct AdvanceAccountRequest: Codable, Sendable {
    public var recipientID: String?

    public init(recipientID: String? = nil) { self.recipientID = recipientID }
}

/// The answer to an advance: the handover started and where its completion takes the account.
public struct AdvanceAccountResponse: Codable, Sendable {
    public var handoverID: String
    public var templateKey: String
    public var recipientID: String
    public var pipelineID: String
    public var fromStageID: String
    public var toStageID: String

    public init(handoverID: String, templateKey: String, recipientID: String, pipelineID: String, fromStageID: String, toStageID: String) {
        self.handoverID = handoverID
        self.templateKey = templateKey
        self.recipientID = recipientID
        self.pipelineID = pipelineID
        self.fromStageID = fromStageID
        self.toStageID = toStageID
    }
}

/// One column of `GET /pipelines/{id}/board`.
public struct BoardColumnResponse: Codable, Sendable {
    public var stage: PipelineStage
    public var cards: [BoardCard]

    public init(stage: PipelineStage, cards: [BoardCard]) {
        self.stage = stage
        self.cards = cards
    }
}

/// `GET /pipelines/{id}/board`: the stages in order, each with its accounts.
public struct PipelineBoardResponse: Codable, Sendable {
    public var pipeline: Pipeline
    public var columns: [BoardColumnResponse]
    /// The day overdue is judged against (UTC).
    public var today: CalendarDate

    public init(pipeline: Pipeline, columns: [BoardColumnResponse], today: CalendarDate) {
        self.pipeline = pipeline
        self.columns = columns
        self.today = today
    }
}

/// `GET /accounts/{id}/journey`.
public struct AccountJourneyResponse: Codable, Sendable {
    public var accountID: String
    public var ownerID: String
    /// Where it stands now; absent when it is in no pipeline.
    public var placement: StagePlacement?
    public var pipelineName: String?
    public var stageName: String?
    /// Whole days since it entered its stage.
    public var daysInStage: Int?
    /// The hand-off under way, if any.
    public var pending: PendingAdvance?
    /// Oldest first.
    public var moves: [StageMove]
    /// Each stay in a stage, oldest first, with its length.
    public var stays: [StageStay]

    public init(
        accountID: String, ownerID: String, placement: StagePlacement?, pipelineName: String?, stageName: String?, daysInStage: Int?,
        pending: PendingAdvance?, moves: [StageMove], stays: [StageStay]
    ) {
        self.accountID = accountID
        self.ownerID = ownerID
        self.placement = placement
        self.pipelineName = pipelineName
        self.stageName = stageName
        self.daysInStage = daysInStage
        self.pending = pending
        self.moves = moves
        self.stays = stays
    }
}
