import Foundation
import HandoverCore

// The JSON response bodies of /api/v1 that are not a domain type as is (a `Handover`, a
// `Member`, …, which encode themselves) nor a list (`ListResponse`). Documented in openapi.json.

/// `POST /auth/login`.
public struct LoginResponse: Codable, Sendable {
    public var member: Member
    /// When the browser session (the cookie set with this answer) ends.
    public var expiresAt: Date
    /// The API token's secret, when `tokenName` was sent: shown this once.
    public var token: String?
    public var tokenID: String?

    public init(member: Member, expiresAt: Date, token: String? = nil, tokenID: String? = nil) {
        self.member = member
        self.expiresAt = expiresAt
        self.token = token
        self.tokenID = tokenID
    }
}

/// `POST /organizations`.
public struct CreateOrganizationResponse: Codable, Sendable {
    public var organization: Organization
    public var admin: Member

    public init(organization: Organization, admin: Member) {
        self.organization = organization
        self.admin = admin
    }
}

/// `POST /tokens`.
public struct CreatedToken: Codable, Sendable {
    public var token: APIToken
    /// Shown once; only its digest is stored.
    public var secret: String

    public init(token: APIToken, secret: String) {
        self.token = token
        self.secret = secret
    }
}

/// `GET /healthz` and `/readyz`.
public struct Health: Codable, Sendable {
    public var status: String

    public init(status: String) { self.status = status }
}

/// `GET /handovers/{id}/signoff-payload`: what to sign, for a signer (the browser) that does
/// not compute the payload itself.
public struct SignoffPayloadResponse: Codable, Sendable {
    public var payloadType: String
    /// Base64 of the exact RFC 8785 bytes to sign.
    public var payload: String
    /// The same payload, readable.
    public var fields: SignoffPayload

    public init(payloadType: String, payload: String, fields: SignoffPayload) {
        self.payloadType = payloadType
        self.payload = payload
        self.fields = fields
    }
}
