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
            let draft = CustodyReceiptDraft(
                outcomes: Dictionary(uniqueKeysWithValues: transfer.items.map { ($0.asset, form.text("outcome-\($0.asset)") ?? "") }),
                notes: Dictionary(uniqueKeysWithValues: transfer.items.map { ($0.asset, form["note-\($0.asset)"] ?? "") }), extras: form["extras"] ?? "")
            // An outcome the form did not send, or not one of the three, is the receiver's to
            // say: never taken as "received" (that would move the item on a guess).
            var items: [CustodyReceiptItem] = [], problems: [Problem] = []
            for (index, item) in transfer.items.enumerated() {
                guard let outcome = draft.outcome(of: item.asset) else {
                    problems.append(
                        Problem(path: "items[\(index)].outcome", message: "say what became of \(item.name): received, missing or damaged"))
                    continue
                }
                items.append(CustodyReceiptItem(asset: item.asset, outcome: outcome, note: form.text("note-\(item.asset)")))
            }
            if !problems.isEmpty {
                return Web.page(try await pages.custodyTransfer(viewer, id: id, problems: problems, draft: draft), status: .unprocessableContent)
            }
            // Extras typed one a line; those registered as assets are kept as they were.
            let typed = draft.extras.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let extras = transfer.extras.filter(\.registers) + typed.map { CustodyExtra(description: $0) }
            return try await custodyAction(viewer, id: id, draft: draft) {
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

    /// Runs a form's action; a refusal shows the transfer again with the reasons (and the
    /// receipt form with what was typed, when it was the receipt).
    func custodyAction(_ viewer: Viewer, id: String, draft: CustodyReceiptDraft? = nil, _ action: () async throws -> Response) async throws -> Response {
        do {
            return try await action()
        } catch let error as HandoverError {
            return Web.page(try await pages.custodyTransfer(viewer, id: id, problems: WebPages.problems(error), draft: draft), status: WebPages.status(error))
        } catch let error as StoreError {
            if case .notFound = error { throw error }
            let mapped = APIError.from(error)
            return Web.page(
                try await pages.custodyTransfer(viewer, id: id, problems: [Problem(path: "", message: mapped.detail)], draft: draft), status: mapped.status)
        }
    }
}
