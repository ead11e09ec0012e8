import Foundation
import HandoverCore

/// An RFC 9457 problem details document: the body of every error the API answers
/// (`WireJSON.problemContentType`). The server makes it from its errors; the client reads it.
public struct ProblemDetails: Codable, Sendable, Equatable {
    /// `https://handover.dev/problems/<kind>`.
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    /// Field-level problems (400, 422): the first `listLimit`.
    public var errors: [Problem]?
    /// How many field-level problems there were in all, when `errors` is present.
    public var errorCount: Int?
    /// Lint findings that block the request (422 on submit): the first `listLimit`.
    public var findings: [Finding]?
    /// How many findings there were in all, when `findings` is present.
    public var findingCount: Int?
    public var score: Int?
    /// The account's open handover, when a new one was refused because of it (409 on create).
    public var openHandoverID: String?
    /// This occurrence: the request's id (as in `X-Request-Id`), to quote when asking for help.
    public var instance: String?

    /// Lists are cut to this many entries: a 0.9 MB template with a mistake in every field would
    /// otherwise get a 3 MB answer; the first hundred say what is wrong and the count says how much.
    public static let listLimit = 100

    public init(
        type: String, title: String, status: Int, detail: String, errors: [Problem]? = nil, errorCount: Int? = nil,
        findings: [Finding]? = nil, findingCount: Int? = nil, score: Int? = nil, openHandoverID: String? = nil,
        instance: String? = nil
    ) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
        self.errorCount = errorCount
        self.findings = findings
        self.findingCount = findingCount
        self.score = score
        self.openHandoverID = openHandoverID
        self.instance = instance
    }
}
