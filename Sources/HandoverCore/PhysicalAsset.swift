import Foundation

/// What sort of physical item an asset is. ("Asset" alone means the web app's static files;
/// these are things a person holds.)
public enum PhysicalAssetKind: String, Sendable, Hashable, Codable, CaseIterable {
    case laptop, badge, key
    case hardwareToken = "hardware-token"
    case phone, other
}

/// The state an item is in, as last recorded.
public enum PhysicalAssetCondition: String, Sendable, Hashable, Codable, CaseIterable {
    case good, worn, damaged, lost
}

/// A physical item of an organization (a laptop, a badge, a key, a hardware token) and who holds
/// it now. The custodian changes only through a signed custody transfer, so every change of hands
/// is in the audit log with both parties' signatures.
public struct PhysicalAsset: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var kind: PhysicalAssetKind
    public var name: String
    /// Unique within the organization when given.
    public var serial: String?
    public var location: String
    public var condition: PhysicalAssetCondition
    /// The member who holds it (for a lost item: the last who held it).
    public var custodianID: String
    /// The account it belongs with, if any (the on-call phone of a service, say).
    public var accountID: String?
    /// Incremented on every change; the ETag for optimistic concurrency.
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, organizationID: String, kind: PhysicalAssetKind, name: String, serial: String?, location: String,
        condition: PhysicalAssetCondition, custodianID: String, accountID: String?, version: Int = 1, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.organizationID = organizationID
        self.kind = kind
        self.name = name
        self.serial = serial
        self.location = location
        self.condition = condition
        self.custodianID = custodianID
        self.accountID = accountID
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// What an `asset.create` entry commits to: the item and its first custodian, where the
    /// chain of custody starts.
    public var creationRecord: [String: String] { ["asset": id, "custodian": custodianID] }
}

/// Which assets a list shows.
public struct PhysicalAssetFilter: Sendable, Hashable {
    public var custodianID: String?
    public var accountID: String?
    public var limit: Int

    public init(custodianID: String? = nil, accountID: String? = nil, limit: Int = 500) {
        self.custodianID = custodianID
        self.accountID = accountID
        self.limit = limit
    }
}

/// Who may see and change physical assets. Pure rules, like `Access`.
public enum PhysicalAssetAccess {
    /// Admins and managers register and edit items; members and auditors do not.
    public static func canRegister(_ actor: Member) -> Bool { actor.role == .admin || actor.role == .manager }

    /// Admins and auditors see every item; anyone else the items they hold, those their reports
    /// hold (managers), and those of accounts they steer (own, or whose owner they manage).
    /// `accountOwner` is the owner of the item's account, when it has one.
    public static func canSee(_ asset: PhysicalAsset, custodian: Member?, accountOwner: Member?, actor: Member) -> Bool {
        guard actor.organizationID == asset.organizationID else { return false }
        switch actor.role {
        case .admin, .auditor: return true
        case .manager, .member:
            if asset.custodianID == actor.id || custodian?.managerID == actor.id { return true }
            guard let owner = accountOwner else { return false }
            return owner.id == actor.id || (actor.role == .manager && owner.managerID == actor.id)
        }
    }
}
