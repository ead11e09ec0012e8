import Foundation
import HandoverCore
import HandoverServices
import Hummingbird

/// The account page's cover forms (Docs/Covers.md): start one, or end one early. The section
/// itself is `AccountPages.coverSection`; every rule is `CoverService`'s.
extension WebRoutes {
    func registerCovers(_ router: Router<AppContext>) {
        router.post("/accounts/:id/cover") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id")
            guard let until = form.text("until").flatMap(CalendarDate.init) else {
                throw HandoverError.invalid([Problem(path: "until", message: "choose the day it comes back")])
            }
            let cover = try await services.covers.start(CoverRequest(accountID: id, covererID: form.text("coverer") ?? "", until: until), by: viewer.member)
            return Web.redirect("/handovers/\(cover.handoverID)", done: "cover-started")
        }
        router.post("/covers/:id/end") { request, context in
            let (viewer, _) = try await Viewer.posting(request, context)
            let outcome = try await services.covers.end(id: try context.parameters.require("id"), by: viewer.member)
            let done: String
            switch outcome.ending {
            case .handback: done = "cover-ended"
            case .alreadyBack: done = "cover-ended-back"
            case .fail: done = "cover-failed"
            case .none, .cancelled, .movedOn, .blocked: done = "cover-ended-nothing"
            }
            return Web.redirect("/accounts/\(outcome.cover.accountID)#covers", done: done)
        }
    }
}
