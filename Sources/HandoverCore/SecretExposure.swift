import Foundation

/// A secret's version that a member could open when their access to it ended (they held a wrap
/// of it, whether or not they ever opened it). Until someone seals a new version, whoever left can
/// still use what they may have seen: it is on the account owner's rotation list until then.
public struct SecretExposure: Sendable, Hashable, Codable {
    /// Why the member's access ended.
    public enum Cause: String, Sendable, Hashable, Codable, CaseIterable {
        /// They handed the account over (the handover completed).
        case handover
        /// They left the organization or lost access otherwise.
        case departure
    }

    public var secretID: String
    public var organizationID: String
    /// The version they could open.
    public var version: Int
    /// Who could open it.
    public var memberID: String
    public var cause: Cause
    /// The completed handover, for `.handover`.
    public var handoverID: String?
    public var exposedAt: Date
    /// Rotate by then (the template's `rules.rotateSecretsWithinDays` after completion).
    public var dueAt: Date
    /// Set by the first rotation after the exposure: the version it made, when and by whom.
    public var rotatedAt: Date?
    public var rotatedBy: String?
    public var rotatedVersion: Int?

    // What the report shows beside it, read with it.
    public var secretName: String
    public var system: String
    public var kind: SecretKind
    public var accountID: String
    public var accountName: String
    /// The account's owner now: whose list it is on.
    public var ownerID: String

    public init(
        secretID: String, organizationID: String, version: Int, memberID: String, cause: Cause, handoverID: String?, exposedAt: Date, dueAt: Date,
        rotatedAt: Date? = nil, rotatedBy: String? = nil, rotatedVersion: Int? = nil, secretName: String, system: String, kind: SecretKind,
        accountID: String, accountName: String, ownerID: String
    ) {
        self.secretID = secretID
        self.organizationID = organizationID
        self.version = version
        self.memberID = memberID
        self.cause = cause
        self.handoverID = handoverID
        self.exposedAt = exposedAt
        self.dueAt = dueAt
        self.rotatedAt = rotatedAt
        self.rotatedBy = rotatedBy
        self.rotatedVersion = rotatedVersion
        self.secretName = secretName
        self.system = system
        self.kind = kind
        self.accountID = accountID
        self.accountName = accountName
        self.ownerID = ownerID
    }

    public var isRotated: Bool { rotatedAt != nil }

    /// Not rotated and past its due date.
    public func isOverdue(at now: Date) -> Bool { rotatedAt == nil && dueAt < now }

    /// The days a template gives to rotate when it does not say (`TemplateRules.rotateSecretsWithinDays`).
    public static let defaultRotationDays = 14

    /// When exposures recorded at `now` are due, `days` later.
    public static func dueDate(exposedAt now: Date, withinDays days: Int?) -> Date {
        now.addingTimeInterval(TimeInterval(days ?? defaultRotationDays) * 86_400)
    }
}

/// Which exposures a report lists.
public enum ExposureState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Not rotated yet (overdue or not).
    case open
    /// Not rotated and past due.
    case overdue
    /// Settled by a rotation.
    case rotated
}
