import Foundation
import HandoverCore
import HandoverServices
import HandoverWire
import Hummingbird

/// The customer's introduction and the follow-up (Docs/Introduction.md): the organization's
/// template, preview/send/record on a handover, the follow-up's results, the recipient's answer,
/// the manager's check-in, and an account's customer surveys.
struct IntroductionRoutes: Sendable {
    let introductions: IntroductionService
    let followUps: FollowUpService

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1")
        api.get("introduction-template") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(IntroductionTemplateResponse(try await introductions.template(by: actor), variables: IntroductionRenderer.variables))
        }
        api.put("introduction-template") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(IntroductionTemplateRequest.self, from: request, context: context)
            let saved = try await introductions.setTemplate(
                IntroductionTemplate(subject: body.subject, body: body.body, bookingLink: body.bookingLink), by: actor)
            return try JSONIO.response(IntroductionTemplateResponse(saved, variables: IntroductionRenderer.variables))
        }
        api.delete("introduction-template") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(IntroductionTemplateResponse(try await introductions.setTemplate(nil, by: actor), variables: IntroductionRenderer.variables))
        }
        api.post("handovers/:id/introduction/preview") { request, context in
            let actor = try context.requireMember()
            let body = try await APIRoutes.optionalBody(IntroductionPreviewRequest.self, request, context)
            let preview = try await introductions.preview(handoverID: try context.parameters.require("id"), why: body?.why, by: actor)
            return try JSONIO.response(
                IntroductionPreviewResponse(
                    subject: preview.subject, body: preview.body, contacts: preview.contacts, from: preview.from, cc: preview.cc, willTick: preview.willTick,
                    sent: preview.sent))
        }
        api.post("handovers/:id/introduction/send") { request, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            let body = try await JSONIO.decode(IntroductionSendRequest.self, from: request, context: context)
            let record = try await introductions.send(handoverID: id, subject: body.subject, body: body.body, to: body.to, by: actor)
            return try JSONIO.response(record, status: .created)
        }
        api.post("handovers/:id/introduction/recorded") { request, context in
            let actor = try context.requireMember()
            let body = try await APIRoutes.optionalBody(IntroductionRecordedRequest.self, request, context)
            let record = try await introductions.recordSentElsewhere(handoverID: try context.parameters.require("id"), note: body?.note, by: actor)
            return try JSONIO.response(record, status: .created)
        }
        api.get("handovers/:id/follow-up") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(FollowUpResponse(try await followUps.followUp(handoverID: try context.parameters.require("id"), by: actor)))
        }
        api.post("handovers/:id/follow-up/answer") { request, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            let body = try await JSONIO.decode(RecipientSurveyRequest.self, from: request, context: context)
            let followUp = try await followUps.answer(
                handoverID: id, enough: body.enough, missing: body.missing ?? "", rushed: body.rushed, score: body.score, by: actor)
            return try JSONIO.response(FollowUpResponse(followUp))
        }
        api.post("handovers/:id/follow-up/check-in") { request, context in
            let actor = try context.requireMember()
            let body = try await APIRoutes.optionalBody(NoteRequest.self, request, context)
            let handover = try await followUps.checkIn(handoverID: try context.parameters.require("id"), note: body?.note, by: actor)
            return try JSONIO.response(handover, headers: [.eTag: ETag.make(handover.version)])
        }
        api.get("accounts/:id/surveys") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await followUps.customerSurveys(accountID: try context.parameters.require("id"), by: actor)))
        }
    }
}
