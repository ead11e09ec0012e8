import Foundation
import HandoverCore
import HandoverServices
import Hummingbird
import HTTPTypes

extension WebRoutes {
    /// The page's uploader (`attach.js`) posts the raw file here with the form token in a header
    /// (a browser session may not post raw bodies to /api/v1); answers are JSON for the script.
    func registerAttachments(_ router: Router<AppContext>) {
        for (kind, make) in [("handovers", AttachmentOwner.handover), ("accounts", AttachmentOwner.account)] {
            router.post("/\(kind)/:id/attachments") { request, context in
                do {
                    let viewer = try Viewer(request, context)
                    try CSRF.requireHeader(request)
                    let owner = make(try context.parameters.require("id"))
                    let attachment = try await AttachmentRoutes.upload(request, context: context, to: owner, attachments: services.attachments, by: viewer.member)
                    return try JSONIO.response(attachment, status: .created)
                } catch {
                    return ProblemMiddleware.response(for: APIError.from(error), requestID: context.requestID)
                }
            }
        }
        router.post("/attachments/:id/delete") { request, context in
            let (viewer, _) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id")
            let attachment = try await services.attachments.attachment(id: id, by: viewer.member)
            try await services.attachments.delete(id: id, by: viewer.member)
            switch attachment.owner {
            case .handover(let owner): return Web.redirect("/handovers/\(owner)#attachments", done: "attachment-deleted")
            case .account(let owner): return Web.redirect("/accounts/\(owner)#attachments", done: "attachment-deleted")
            }
        }
    }
}
