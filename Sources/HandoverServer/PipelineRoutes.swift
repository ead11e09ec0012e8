import Foundation
import HandoverCore
import HandoverServices
import HandoverWire
import Hummingbird

/// Pipelines, boards, stage placement, advance and journeys under /api/v1: decode, call the
/// pipeline service, encode.
struct PipelineRoutes: Sendable {
    let pipelines: PipelineService

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1")
        api.get("pipelines") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await pipelines.pipelines(by: actor)))
        }
        api.post("pipelines") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(CreatePipelineRequest.self, from: request, context: context)
            let pipeline = try await pipelines.create(name: body.name, stages: body.stages.map(Self.input), by: actor)
            return try JSONIO.response(pipeline, status: .created, headers: [.eTag: ETag.make(pipeline.version)])
        }
        api.get("pipelines/:id") { _, context in
            let actor = try context.requireMember()
            let pipeline = try await pipelines.pipeline(id: try context.parameters.require("id"), by: actor)
            return try JSONIO.response(pipeline, headers: [.eTag: ETag.make(pipeline.version)])
        }
        api.put("pipelines/:id") { request, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            _ = try await pipelines.pipeline(id: id, by: actor)
            let body = try await JSONIO.decode(UpdatePipelineRequest.self, from: request, context: context)
            let pipeline = try await pipelines.update(
                id: id, name: body.name, stages: body.stages?.map(Self.input), expectedVersion: try ETag.expectedVersion(request), by: actor)
            return try JSONIO.response(pipeline, headers: [.eTag: ETag.make(pipeline.version)])
        }
        api.delete("pipelines/:id") { _, context in
            let actor = try context.requireMember()
            try await pipelines.delete(id: try context.parameters.require("id"), by: actor)
            return Response(status: .noContent)
        }
        api.get("pipelines/:id/board") { request, context in
            let actor = try context.requireMember()
            let query = request.uri.queryParameters
            func nonEmpty(_ key: String) -> String? { query[key[...]].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
            let board = try await pipelines.board(pipelineID: try context.parameters.require("id"), ownerID: nonEmpty("owner"), tag: nonEmpty("tag"), by: actor)
            return try JSONIO.response(
                PipelineBoardResponse(
                    pipeline: board.pipeline, columns: board.columns.map { BoardColumnResponse(stage: $0.stage, cards: $0.cards) }, today: board.today))
        }
        api.put("accounts/:id/stage") { request, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            _ = try await pipelines.account(id: id, by: actor)
            let body = try await JSONIO.decode(PlaceAccountRequest.self, from: request, context: context)
            _ = try await pipelines.place(accountID: id, pipelineID: body.pipelineID, stageID: body.stageID, by: actor)
            return try JSONIO.response(Self.journey(try await pipelines.journey(accountID: id, by: actor)))
        }
        api.post("accounts/:id/advance") { request, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            _ = try await pipelines.account(id: id, by: actor)
            let body = try await JSONIO.decode(AdvanceAccountRequest.self, from: request, context: context)
            let (handover, advance) = try await pipelines.advance(accountID: id, recipientID: body.recipientID, by: actor)
            return try JSONIO.response(
                AdvanceAccountResponse(
                    handoverID: handover.id, templateKey: handover.templateKey, recipientID: handover.recipientID, pipelineID: advance.pipelineID,
                    fromStageID: advance.fromStageID, toStageID: advance.toStageID),
                status: .created)
        }
        api.get("accounts/:id/journey") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(Self.journey(try await pipelines.journey(accountID: try context.parameters.require("id"), by: actor)))
        }
    }

    static func input(_ stage: PipelineStageRequest) -> PipelineService.StageInput {
        PipelineService.StageInput(id: stage.id, name: stage.name, templateKey: stage.templateKey, defaultOwnerID: stage.defaultOwnerID, team: stage.team)
    }

    static func journey(_ journey: AccountJourney) -> AccountJourneyResponse {
        let placement = journey.placement
        return AccountJourneyResponse(
            accountID: journey.account.id, ownerID: journey.account.ownerID, placement: placement,
            pipelineName: placement.flatMap { journey.pipeline($0.pipelineID)?.name },
            stageName: placement.map { journey.stageName($0.stageID, in: $0.pipelineID) },
            daysInStage: placement.map { StageStay.wholeDays(from: $0.since, to: journey.now) }, pending: journey.pending, moves: journey.moves,
            stays: journey.stays)
    }
}
