import Foundation
import HandoverCore
import HandoverServices
import HandoverWire
import Hummingbird
import HTTPTypes
import NIOCore

/// Attachments under /api/v1: uploads streamed to the attachment service (raw bodies, never
/// collected), lists, metadata, downloads with ranges, deletes.
struct AttachmentRoutes: Sendable {
    let attachments: AttachmentService

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1")
        for (kind, make) in [("handovers", AttachmentOwner.handover), ("accounts", AttachmentOwner.account)] {
            api.post("\(kind)/:id/attachments") { request, context in
                let actor = try context.requireMember()
                let owner = make(try context.parameters.require("id"))
                let attachment = try await Self.upload(request, context: context, to: owner, attachments: attachments, by: actor)
                return try JSONIO.response(attachment, status: .created, headers: [.location: "/api/v1/attachments/\(attachment.id)"])
            }
            api.get("\(kind)/:id/attachments") { _, context in
                let actor = try context.requireMember()
                let owner = make(try context.parameters.require("id"))
                return try JSONIO.response(ListResponse(items: try await attachments.attachments(of: owner, by: actor)))
            }
        }
        api.get("attachments/:id") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(try await attachments.attachment(id: try context.parameters.require("id"), by: actor))
        }
        api.get("attachments/:id/content") { request, context in
            let actor = try context.requireMember()
            let (attachment, path) = try await attachments.content(id: try context.parameters.require("id"), by: actor)
            return try await Self.download(attachment, path: path, request: request, context: context)
        }
        api.delete("attachments/:id") { _, context in
            let actor = try context.requireMember()
            try await attachments.delete(id: try context.parameters.require("id"), by: actor)
            return Response(status: .noContent)
        }
    }

    /// The upload, for the API and the web alike: the name and the caller's right checked before
    /// a byte is read; a declared Content-Length over the limit refused at once; the body then
    /// streamed (an undeclared or false length is caught as the bytes arrive).
    static func upload(
        _ request: Request, context: AppContext, to owner: AttachmentOwner, attachments: AttachmentService, by actor: Member
    ) async throws -> Attachment {
        guard let name = request.uri.queryParameters["name"].map(String.init) else {
            throw APIError.badRequest("Say the file's name: ?name=report.pdf.", errors: [Problem(path: "name", message: "is required")])
        }
        try await attachments.checkUpload(to: owner, name: name, by: actor)
        let limit = attachments.settings.maxBytes
        if let declared = request.headers[.contentLength].flatMap({ Int64($0) }), declared > limit { throw tooLarge(limit) }
        do {
            return try await attachments.upload(to: owner, name: name, body: UploadBody(base: request.body), by: actor)
        } catch is AttachmentBlobs.TooLarge {
            throw tooLarge(limit)
        } catch is UploadBody.CutOff {
            throw APIError.badRequest("The upload ended before its last byte arrived; nothing was stored. Send it again.")
        } catch HandoverError.credentialInText(let findings) {
            let lines = findings.map(\.path).joined(separator: ", ")
            var api = APIError.credentialInText(findings)
            api.detail = "Not saved: \(name) looks like it holds a credential in plain text (\(lines)). \(HandoverError.credentialAdvice)"
            throw api
        }
    }

    static func tooLarge(_ limit: Int64) -> APIError {
        APIError(
            status: .contentTooLarge, type: "too-large", title: "File too large",
            detail: "Not saved: attachments are at most \(limit) bytes (\(ByteCountText.text(limit))) on this server (HANDOVER_ATTACHMENT_MAX_BYTES).")
    }

    /// The bytes, or the asked-for part of them. Markup and unknown types download rather than
    /// render; nothing served here may run script (CSP, nosniff).
    static func download(_ attachment: Attachment, path: String, request: Request, context: AppContext) async throws -> Response {
        let etag = "\"\(attachment.sha256)\""
        var headers: HTTPFields = [
            .contentType: attachment.mediaType == "text/plain" ? "text/plain; charset=utf-8" : attachment.mediaType,
            .eTag: etag,
            .acceptRanges: "bytes",
            .contentDisposition: contentDisposition(attachment),
            .xContentTypeOptions: "nosniff",
            .contentSecurityPolicy: attachment.mediaType == "application/pdf" ? "default-src 'none'; object-src 'self'" : "default-src 'none'; sandbox",
            .cacheControl: "private, no-cache",
        ]
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) {
            return Response(status: .notModified, headers: headers)
        }
        var range = ByteRange.parse(request.headers[.range], size: attachment.size)
        // If-Range with another validator: the file changed for that client, so all of it.
        if let ifRange = request.headers[.ifRange], ifRange != etag { range = .whole }
        switch range {
        case .whole:
            headers[.contentLength] = String(attachment.size)
            return Response(status: .ok, headers: headers, body: try await FileIO().loadFile(path: path, context: context))
        case .part(let part):
            headers[.contentRange] = "bytes \(part.lowerBound)-\(part.upperBound)/\(attachment.size)"
            headers[.contentLength] = String(part.count)
            let body = try await FileIO().loadFile(path: path, range: Int(part.lowerBound)...Int(part.upperBound), context: context)
            return Response(status: .partialContent, headers: headers, body: body)
        case .unsatisfiable:
            throw APIError(
                status: .rangeNotSatisfiable, type: "range", title: "Range not satisfiable",
                detail: "The file is \(attachment.size) bytes; the range asked for none of them.", headers: [.contentRange: "bytes */\(attachment.size)"])
        }
    }

    /// `inline` for what a browser may show, `attachment` otherwise; the name in ASCII (others
    /// replaced) and in full as RFC 8187 `filename*`.
    static func contentDisposition(_ attachment: Attachment) -> String {
        let ascii = String(attachment.name.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "!#$&+-.^_`|~")
        let encoded = attachment.name.addingPercentEncoding(withAllowedCharacters: allowed) ?? ascii
        return "\(attachment.showsInline ? "inline" : "attachment"); filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }
}

/// The request body as byte views, its read errors (the client went away, a malformed chunk)
/// turned into `CutOff`: a 400 for the client rather than an internal error in the log.
struct UploadBody: AsyncSequence, Sendable {
    typealias Element = ByteBufferView
    let base: RequestBody

    struct CutOff: Error {}

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator

        mutating func next() async throws -> ByteBufferView? {
            do {
                return try await base.next()?.readableBytesView
            } catch {
                throw CutOff()
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator()) }
}

/// "1.2 MB": sizes for people (decimal units, as the limit is given).
enum ByteCountText {
    static func text(_ bytes: Int64) -> String {
        let units = ["bytes", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }
}
