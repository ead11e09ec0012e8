import Foundation
import HandoverCore

// The JSON request bodies of /api/v1, as openapi.json documents them. The server decodes them
// (`JSONIO.decode`, which also refuses unknown keys); the client encodes them.

/// `POST /auth/login`.
public struct LoginRequest: Codable, Sendable {
    public var email: String
    public var password: String
    /// When set, also issue an API token with this name (what `handover login` does).
    public var tokenName: String?
    /// Which organization to sign in to, when the email belongs to members of several.
    public var organization: String?

    public init(email: String, password: String, tokenName: String? = nil, organization: String? = nil) {
        self.email = email
        self.password = password
        self.tokenName = tokenName
        self.organization = organization
    }
}

/// `POST /organizations` (sign-up, where the server allows it).
public struct CreateOrganizationRequest: Codable, Sendable {
    public var name: String
    public var adminEmail: String
    public var adminName: String
    public var adminPassword: String

    public init(name: String, adminEmail: String, adminName: String, adminPassword: String) {
        self.name = name
        self.adminEmail = adminEmail
        self.adminName = adminName
        self.adminPassword = adminPassword
    }
}

/// `POST /members` (admins).
public struct CreateMemberRequest: Codable, Sendable {
    public var email: String
    public var name: String
    public var role: Role
    public var managerID: String?
    public var password: String?

    public init(email: String, name: String, role: Role, managerID: String? = nil, password: String? = nil) {
        self.email = email
        self.name = name
        self.role = role
        self.managerID = managerID
        self.password = password
    }
}

/// `POST /tokens`.
public struct CreateTokenRequest: Codable, Sendable {
    public var name: String

    public init(name: String) { self.name = name }
}

/// `POST /accounts`.
public struct CreateAccountRequest: Codable, Sendable {
    public var name: String
    public var kind: AccountKind
    /// Default: the caller.
    public var ownerID: String?
    public var profile: AccountProfile?

    public init(name: String, kind: AccountKind, ownerID: String? = nil, profile: AccountProfile? = nil) {
        self.name = name
        self.kind = kind
        self.ownerID = ownerID
        self.profile = profile
    }
}

/// `PATCH /accounts/{id}`: what is sent is replaced, what is not is kept.
public struct UpdateAccountRequest: Codable, Sendable {
    public var name: String?
    public var profile: AccountProfile?

    public init(name: String? = nil, profile: AccountProfile? = nil) {
        self.name = name
        self.profile = profile
    }
}

/// `POST /handovers`: a draft.
public struct CreateHandoverRequest: Codable, Sendable {
    public var accountID: String
    public var recipientID: String
    public var templateKey: String
    /// Default: the template's latest version.
    public var templateVersion: Int?
    public var content: HandoverContent?
    /// Fill the fields `content` leaves out from the account's profile and imported activity.
    /// Default: only when no content is sent.
    public var prefill: Bool?

    public init(
        accountID: String, recipientID: String, templateKey: String, templateVersion: Int? = nil, content: HandoverContent? = nil, prefill: Bool? = nil
    ) {
        self.accountID = accountID
        self.recipientID = recipientID
        self.templateKey = templateKey
        self.templateVersion = templateVersion
        self.content = content
        self.prefill = prefill
    }
}

/// `PATCH /handovers/{id}`.
public struct EditHandoverRequest: Codable, Sendable {
    /// Fields to set; `null` clears one. Fields not named are kept.
    public var content: HandoverContent?
    /// Pre-filled fields (`section.field`) the transferor has checked and leaves as they are.
    public var reviewed: [String]?

    public init(content: HandoverContent?, reviewed: [String]? = nil) {
        self.content = content
        self.reviewed = reviewed
    }
}

/// `POST /handovers/{id}/return` (reason required by the lifecycle) and `/cancel` (optional).
public struct ReasonRequest: Codable, Sendable {
    public var reason: String?

    public init(reason: String?) { self.reason = reason }
}

/// `POST /handovers/{id}/acknowledge`: the recipient's synthesis, in their own words.
public struct AcknowledgeRequest: Codable, Sendable {
    public var synthesis: String

    public init(synthesis: String) { self.synthesis = synthesis }
}

/// `POST /handovers/{id}/verify`.
public struct NoteRequest: Codable, Sendable {
    public var note: String?

    public init(note: String?) { self.note = note }
}

/// `POST /handovers/{id}/questions`.
public struct QuestionRequest: Codable, Sendable {
    public var body: String

    public init(body: String) { self.body = body }
}

/// `POST /keys`.
public struct EnrolKeyRequest: Codable, Sendable {
    /// A DSSE envelope of application/vnd.handover.key-enrolment+json signed by the key being enrolled.
    public var envelope: DSSEEnvelope
    /// "cli" (default) or "browser".
    public var origin: String?

    public init(envelope: DSSEEnvelope, origin: String? = nil) {
        self.envelope = envelope
        self.origin = origin
    }
}

/// `POST /handovers/{id}/signoffs`.
public struct SignoffRequest: Codable, Sendable {
    public var envelope: DSSEEnvelope

    public init(envelope: DSSEEnvelope) { self.envelope = envelope }
}
