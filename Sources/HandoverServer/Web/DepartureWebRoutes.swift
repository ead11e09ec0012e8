import Foundation
import HandoverCore
import HandoverServices
import Hummingbird

/// The admin page's Deactivate and Reactivate buttons: CSRF-checked form posts that call
/// `MemberService`, then back to /admin (the service refuses anyone but an admin).
struct DepartureWebRoutes: Sendable {
    let members: MemberService
    let credentials: CredentialCache

    func register(on router: Router<AppContext>) {
        for verb in ["deactivate", "reactivate"] {
            router.post("/admin/members/:id/\(verb)") { request, context in
                let (viewer, _) = try await Viewer.posting(request, context)
                let id = try context.parameters.require("id")
                // The member's cached credentials must not outlive the change.
                defer { credentials.evictAll() }
                if verb == "deactivate" {
                    _ = try await members.deactivate(memberID: id, by: viewer.member)
                } else {
                    _ = try await members.reactivate(memberID: id, by: viewer.member)
                }
                return Web.redirect("/admin#members-title")
            }
        }
    }
}
