import Foundation
import HandoverCore
import HandoverStore
import HandoverServices

// Request and response bodies of the JSON API. Domain types encode themselves; these add
// what only the API needs. Documented in openapi.json.

struct LoginRequest: Codable {
    var email: String
    var password: String
    /// When set, also issue an API token with this name (what `handover login` does).
    var tokenName: String?
    /// Which organization to sign in to, when the email belongs to members of several.
    var organization: String?
}

struct LoginResponse: Encodable {
    var member: Member
    var expiresAt: Date
    var token: String?
    var tokenID: String?
}

struct CreateOrganizationRequest: Codable {
    var name: String
    var adminEmail: String
    var adminName: String
    var adminPassword: String
}

struct CreateOrganizationResponse: Encodable {
    var organization: Organization
    var admin: Member
}

struct CreateMemberRequest: Codable {
    var email: String
    var name: String
    var role: Role
    var managerID: String?
    var password: String?
}

struct CreateTokenRequest: Codable {
    var name: String
}

struct CreatedToken: Encodable {
    var token: APIToken
    /// Shown once; only its digest is stored.
    var secret: String
}

struct CreateAccountRequest: Codable {
    var name: String
    var kind: AccountKind
    var ownerID: String?
    var profile: AccountProfile?
}

struct UpdateAccountRequest: Codable {
    var name: String?
    var profile: AccountProfile?
}

struct CreateHandoverRequest: Codable {
    var accountID: String
    var recipientID: String
    var templateKey: String
    var templateVersion: Int?
    var content: HandoverContent?
}

struct EditHandoverRequest: Codable {
    /// Fields to set; `null` clears one. Fields not named are kept.
    var content: HandoverContent
}

struct ReasonRequest: Codable {
    var reason: String?
}

struct AcknowledgeRequest: Codable {
    var synthesis: String
}

struct NoteRequest: Codable {
    var note: String?
}

struct ListResponse<Item: Encodable>: Encodable {
    var items: [Item]
}

struct Health: Encodable {
    var status: String
}

struct QuestionRequest: Codable {
    var body: String
}
