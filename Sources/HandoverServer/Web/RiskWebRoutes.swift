import Foundation
import HandoverCore
import HandoverServices
import Hummingbird

/// The account page's "Record an escalation or churn" under its risk flags (Docs/Risks.md). The
/// section itself is `RiskSection`; every rule is `RiskService`'s.
extension WebRoutes {
    func registerRisks(_ router: Router<AppContext>) {
        router.post("/accounts/:id/outcomes") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id")
            guard let kind = form.text("kind").flatMap(OutcomeKind.init(rawValue:)) else {
                throw HandoverError.invalid([Problem(path: "kind", message: "choose an escalation or churn")])
            }
            guard let on = form.text("on").flatMap(CalendarDate.init) else {
                throw HandoverError.invalid([Problem(path: "on", message: "choose the day it happened")])
            }
            _ = try await services.risks.recordOutcome(accountID: id, kind: kind, on: on, note: form.text("note"), by: viewer.member)
            return Web.redirect("/accounts/\(id)#risks")
        }
    }
}
