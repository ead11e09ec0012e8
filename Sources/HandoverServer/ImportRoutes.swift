import Foundation
import HandoverCore
import HandoverServices
import HandoverWire
import Hummingbird
import HTTPTypes

/// Imports under /api/v1 (Docs/Imports.md): an export uploaded as the raw body (streamed, never
/// collected), its run read back as it progresses, a run left for review started, and an
/// account's imported rows.
struct ImportRoutes: Sendable {
    let imports: ImportService

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1")
        api.post("imports") { request, context in
            let actor = try context.requireMember()
            let run = try await Self.upload(request, context: context, imports: imports, by: actor)
            return try JSONIO.response(ImportResponse(run, at: Date()), status: .created, headers: [.location: "/api/v1/imports/\(run.id)"])
        }
        api.get("imports") { _, context in
            let actor = try context.requireMember()
            let now = Date()
            return try JSONIO.response(ListResponse(items: try await imports.runs(by: actor).map { ImportResponse($0, at: now) }))
        }
        api.get("imports/:id") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ImportResponse(try await imports.run(id: try context.parameters.require("id"), by: actor), at: Date()))
        }
        api.post("imports/:id/start") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(ImportStartRequest.self, from: request, context: context)
            let run = try await imports.start(
                id: try context.parameters.require("id"), source: body.source, mapping: body.mapping, strict: body.strict, by: actor)
            return try JSONIO.response(ImportResponse(run, at: Date()))
        }
        api.get("accounts/:id/imported") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await imports.records(accountID: try context.parameters.require("id"), by: actor)))
        }
    }

    /// The upload, for the API and the web alike: the request's options and the caller's right
    /// checked before a byte is read, a declared length over the limit refused at once, then the
    /// body streamed to disk.
    static func upload(_ request: Request, context: AppContext, imports: ImportService, by actor: Member) async throws -> ImportRun {
        let query = request.uri.queryParameters
        guard let name = query["name"].map(String.init) else {
            throw APIError.badRequest("Say the file's name: ?name=tickets.csv.", errors: [Problem(path: "name", message: "is required")])
        }
        func flag(_ key: String) throws -> Bool {
            switch query[key[...]].map({ String($0) }) {
            case nil, "false", "0": return false
            case "true", "1": return true
            case let other?:
                throw APIError.badRequest("\(key) is true or false.", errors: [Problem(path: key, message: "\"\(other.prefix(20))\" is not true or false")])
            }
        }
        let importRequest = ImportRequest(
            fileName: name, source: query["source"].map(String.init), mapping: query.getAll("map").map { String($0) }, strict: try flag("strict"),
            review: try flag("review"))
        try imports.checkUpload(importRequest, by: actor)
        let limit = imports.settings.maxBytes
        if let declared = request.headers[.contentLength].flatMap({ Int64($0) }), declared > limit { throw tooLarge(limit) }
        do {
            return try await imports.upload(importRequest, body: UploadBody(base: request.body), by: actor)
        } catch is AttachmentBlobs.TooLarge {
            throw tooLarge(limit)
        } catch is UploadBody.CutOff {
            throw APIError.badRequest("The upload ended before its last byte arrived; nothing was imported. Send it again.")
        }
    }

    static func tooLarge(_ limit: Int64) -> APIError {
        APIError(
            status: .contentTooLarge, type: "too-large", title: "File too large",
            detail: "Not imported: exports are at most \(limit) bytes (\(ByteCountText.text(limit))) on this server (HANDOVER_IMPORT_MAX_BYTES).")
    }
}
