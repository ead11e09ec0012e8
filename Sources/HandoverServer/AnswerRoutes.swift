import Foundation
import HandoverCore
import HandoverServices
import HandoverWire
import Hummingbird

/// The question answerer under /api/v1: read the question, call `AnswerService`, encode.
struct AnswerRoutes: Sendable {
    let answers: AnswerService

    func register(on router: Router<AppContext>) {
        router.group("api/v1").get("accounts/:id/answers") { request, context in
            let actor = try context.requireMember()
            let query = request.uri.queryParameters
            var limit = AnswerService.defaultLimit
            if let text = query["limit"].map(String.init) {
                guard let value = Int(text), (1...AnswerService.maxLimit).contains(value) else {
                    throw APIError.badRequest(
                        "limit must be a whole number from 1 to \(AnswerService.maxLimit).",
                        errors: [Problem(path: "limit", message: "not from 1 to \(AnswerService.maxLimit)")])
                }
                limit = value
            }
            let answer = try await answers.answer(
                accountID: try context.parameters.require("id"), question: query["q"].map(String.init) ?? "", limit: limit, by: actor)
            return try JSONIO.response(AnswerResponse(answer))
        }
    }
}

extension AnswerResponse {
    init(_ answer: Answer) {
        self.init(
            question: answer.question,
            passages: answer.passages.map { hit in
                let p = hit.passage
                return Citation(kind: p.kind, key: p.key, handoverID: p.handoverID, title: p.title, text: p.text, link: p.link, score: hit.score)
            },
            ask: answer.ask.map { Ask(handoverID: $0.handoverID, previousOwnerID: $0.previousOwnerID, previousOwnerName: $0.previousOwnerName) })
    }
}
