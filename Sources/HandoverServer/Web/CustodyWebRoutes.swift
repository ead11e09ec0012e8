import Foundation
import HandoverCore
import HandoverServices
import HandoverStore
import Hummingbird
import HTTPTypes

/// The assets page, a transfer's page, the receiver's form and browser signing.
extension WebRoutes {
    func registerCustody(_ router: Router<AppContext>) {
        router.get("/physical-assets") { request, context in
            Web.page(try await pages.physicalAssets(try Viewer(request, context)))
        }
        router.get("/custody/:id") { request, context in
            Web.page(try await pages.custodyTransfer(try Viewer(request, context), id: try context.parameters.require("id")))
        }
        router.post("/custody/:id/receipt") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id")
            let transfer = try await services.custody.transfer(id: id, by: viewer.member)
            let items = transfer.items.map { item in
                CustodyReceiptItem(
                    asset: item.asset, outcome: form.text("outcome-\(item.asset)").flatMap(CustodyOutcome.init(rawValue:)) ?? .received,
                    note: form.text("note-\(item.asset)"))
            }
            // Extras typed one a line; those registered as assets are kept as they were.
            let typed = (form["extras"] ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let extras = transfer.extras.filter(\.registers) + typed.map { CustodyExtra(description: $0) }
            return try await custodyAction(viewer, id: id) {
                _ = try await services.custody.recordReceipt(id: id, items: items, extras: extras, by: viewer.member)
                return Web.redirect("/custody/\(id)")
            }
        }
        router.post("/custody/:id/sign") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id")
            let decoder = JSONDecoder()
            guard let text = form.text("envelope"), let envelope = try? decoder.decode(DSSEEnvelope.self, from: Data(text.utf8)) else {
                return Web.page(
                    try await pages.custodyTransfer(
                        viewer, id: id,
                        problems: [Problem(path: "", message: "This browser did not sign (is JavaScript on?). Sign with the CLI instead: handover custody sign \(id)")]),
                    status: .unprocessableContent)
            }
            return try await custodyAction(viewer, id: id) {
                if let enrolmentText = form.text("enrolment") {
                    guard let enrolment = try? decoder.decode(DSSEEnvelope.self, from: Data(enrolmentText.utf8)) else {
                        throw HandoverError.invalid([Problem(path: "", message: "The browser's key enrolment was unreadable.")])
                    }
                    _ = try await handovers.enrolKey(enrolment, origin: "browser", by: viewer.member)
                }
                _ = try await services.custody.sign(id: id, envelope: envelope, authentication: context.authenticationDescription, by: viewer.member)
                return Web.redirect("/custody/\(id)#custody-signatures")
            }
        }
    }

    /// Runs a form's action; a refusal shows the transfer again with the reasons.
    func custodyAction(_ viewer: Viewer, id: String, _ action: () async throws -> Response) async throws -> Response {
        do {
            return try await action()
        } catch let error as HandoverError {
            return Web.page(try await pages.custodyTransfer(viewer, id: id, problems: WebPages.problems(error)), status: WebPages.status(error))
        } catch let error as StoreError {
            if case .notFound = error { throw error }
            let mapped = APIError.from(error)
            return Web.page(try await pages.custodyTransfer(viewer, id: id, problems: [Problem(path: "", message: mapped.detail)]), status: mapped.status)
        }
    }
}
