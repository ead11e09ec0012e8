import Foundation
import HandoverCore
import HandoverServices
import Hummingbird

/// The pipelines list, the board (filters by GET query, so they work without script), and the
/// account page's forms to place an account and start its hand-off to the next stage.
extension WebRoutes {
    func registerPipelines(_ router: Router<AppContext>) {
        router.get("/pipelines") { request, context in
            Web.page(try await pages.pipelines(try Viewer(request, context)))
        }
        router.get("/pipelines/:id") { request, context in
            let viewer = try Viewer(request, context)
            let query = request.uri.queryParameters
            func nonEmpty(_ key: String) -> String? { query[key[...]].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
            return Web.page(try await pages.board(viewer, id: try context.parameters.require("id"), ownerID: nonEmpty("owner"), tag: nonEmpty("tag")))
        }
        router.post("/accounts/:id/stage") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id")
            let parts = (form.text("stage") ?? "").split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw HandoverError.invalid([Problem(path: "stage", message: "choose a pipeline's stage")]) }
            _ = try await services.pipelines.place(accountID: id, pipelineID: parts[0], stageID: parts[1], by: viewer.member)
            return Web.redirect("/accounts/\(id)#journey", done: "staged")
        }
        router.post("/accounts/:id/advance") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id")
            let (handover, _) = try await services.pipelines.advance(accountID: id, recipientID: form.text("recipient"), by: viewer.member)
            return Web.redirect("/handovers/\(handover.id)", done: "created")
        }
    }
}
