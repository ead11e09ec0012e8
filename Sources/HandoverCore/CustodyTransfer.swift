import Foundation

/// What became of an expected item when it was handed over.
public enum CustodyOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    case received, missing, damaged
}

/// The two parties of a custody transfer, as they sign it.
public enum CustodyRole: String, Sendable, Hashable, Codable, CaseIterable {
    case giver, receiver
}

/// Where a custody transfer is: waiting for the receiver's record of what arrived, waiting for
/// both signatures over that record, or done (custody moved).
public enum CustodyState: String, Sendable, Hashable, Codable, CaseIterable {
    case awaitingReceipt = "awaiting-receipt"
    case awaitingSignatures = "awaiting-signatures"
    case completed
}

/// One item the giver held when the transfer began, and (once recorded) what arrived.
public struct CustodyItem: Sendable, Hashable, Codable {
    public var asset: String
    public var kind: PhysicalAssetKind
    public var name: String
    /// "" when the item has no serial number (so the signed form has one spelling).
    public var serial: String
    /// Nil until the receiver records it.
    public var outcome: CustodyOutcome?
    /// Required for damaged; "" when none.
    public var note: String

    public init(asset: String, kind: PhysicalAssetKind, name: String, serial: String, outcome: CustodyOutcome? = nil, note: String = "") {
        self.asset = asset
        self.kind = kind
        self.name = name
        self.serial = serial
        self.outcome = outcome
        self.note = note
    }
}

/// Something that arrived but was not expected: described in words, or to be registered as a
/// new asset held by the receiver when the transfer completes.
public struct CustodyExtra: Sendable, Hashable, Codable {
    public var description: String
    /// Set when the item is registered as an asset at completion.
    public var kind: PhysicalAssetKind?
    public var serial: String
    /// The asset registered for it at completion.
    public var asset: String?

    public init(description: String, kind: PhysicalAssetKind? = nil, serial: String = "", asset: String? = nil) {
        self.description = description
        self.kind = kind
        self.serial = serial
        self.asset = asset
    }

    public var registers: Bool { kind != nil }
}

/// A transfer of physical items from one member to another. The expected items are the ones the
/// giver held when it began; the receiver records what arrived (the difference log); both sign
/// that record; the second signature completes it and moves custody.
public struct CustodyTransfer: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var fromID: String
    public var toID: String
    /// The handover it belongs to (an IT-offboarding handover whose transferor returns their laptop), if any.
    public var handoverID: String?
    public var state: CustodyState
    public var items: [CustodyItem]
    public var extras: [CustodyExtra]
    /// Incremented by every recorded receipt: a signature names the record it signed by digest.
    public var receiptVersion: Int
    public var startedBy: String
    public var createdAt: Date
    public var receivedAt: Date?
    public var completedAt: Date?

    public init(
        id: String, organizationID: String, fromID: String, toID: String, handoverID: String?, state: CustodyState = .awaitingReceipt,
        items: [CustodyItem], extras: [CustodyExtra] = [], receiptVersion: Int = 0, startedBy: String, createdAt: Date, receivedAt: Date? = nil,
        completedAt: Date? = nil
    ) {
        self.id = id
        self.organizationID = organizationID
        self.fromID = fromID
        self.toID = toID
        self.handoverID = handoverID
        self.state = state
        self.items = items
        self.extras = extras
        self.receiptVersion = receiptVersion
        self.startedBy = startedBy
        self.createdAt = createdAt
        self.receivedAt = receivedAt
        self.completedAt = completedAt
    }

    /// The difference log as both parties sign it: who, to whom, each expected item with its
    /// serial and outcome, and the extras. Its RFC 8785 digest is the `recordDigest` a statement
    /// carries; any change to the record changes it and voids earlier signatures.
    public var record: CustodyRecord {
        CustodyRecord(
            transfer: id, from: fromID, to: toID,
            items: items.map { CustodyRecord.Item(asset: $0.asset, kind: $0.kind, name: $0.name, serial: $0.serial, outcome: $0.outcome, note: $0.note) },
            extras: extras.map { CustodyRecord.Extra(description: $0.description, kind: $0.kind, serial: $0.serial) })
    }

    public func role(of memberID: String) -> CustodyRole? {
        memberID == fromID ? .giver : memberID == toID ? .receiver : nil
    }
}

/// The signed difference log (see `CustodyTransfer.record`).
public struct CustodyRecord: Sendable, Hashable, Codable {
    public struct Item: Sendable, Hashable, Codable {
        public var asset: String
        public var kind: PhysicalAssetKind
        public var name: String
        public var serial: String
        public var outcome: CustodyOutcome?
        public var note: String

        public init(asset: String, kind: PhysicalAssetKind, name: String, serial: String, outcome: CustodyOutcome?, note: String) {
            self.asset = asset
            self.kind = kind
            self.name = name
            self.serial = serial
            self.outcome = outcome
            self.note = note
        }
    }

    public struct Extra: Sendable, Hashable, Codable {
        public var description: String
        public var kind: PhysicalAssetKind?
        public var serial: String

        public init(description: String, kind: PhysicalAssetKind?, serial: String) {
            self.description = description
            self.kind = kind
            self.serial = serial
        }
    }

    public var transfer: String
    public var from: String
    public var to: String
    public var items: [Item]
    public var extras: [Extra]

    public init(transfer: String, from: String, to: String, items: [Item], extras: [Extra]) {
        self.transfer = transfer
        self.from = from
        self.to = to
        self.items = items
        self.extras = extras
    }
}

/// What a custody signature signs: RFC 8785 canonical JSON, like `SignoffPayload`.
public struct CustodyStatement: Sendable, Hashable, Codable {
    public static let type = "application/vnd.handover.custody+json"

    public var transfer: String
    public var from: String
    public var to: String
    public var items: [CustodyRecord.Item]
    public var extras: [CustodyRecord.Extra]
    /// Hex SHA-256 of the RFC 8785 form of the record (items and extras with the parties).
    public var recordDigest: String
    public var signer: String
    public var role: CustodyRole
    public var statement: String
    /// RFC 3339, UTC, milliseconds.
    public var time: String

    public init(
        transfer: String, from: String, to: String, items: [CustodyRecord.Item], extras: [CustodyRecord.Extra], recordDigest: String, signer: String,
        role: CustodyRole, statement: String, time: String
    ) {
        self.transfer = transfer
        self.from = from
        self.to = to
        self.items = items
        self.extras = extras
        self.recordDigest = recordDigest
        self.signer = signer
        self.role = role
        self.statement = statement
        self.time = time
    }
}

/// A signature recorded on a transfer, with its envelope as sent.
public struct CustodySignature: Sendable, Hashable, Codable {
    public var id: String
    public var transferID: String
    public var organizationID: String
    public var memberID: String
    public var role: CustodyRole
    public var keyID: String
    /// The record it signed: it counts while the transfer's record still has this digest.
    public var recordDigest: String
    public var signedAt: Date
    public var recordedAt: Date
    public var authentication: String
    public var envelope: DSSEEnvelope

    public init(
        id: String, transferID: String, organizationID: String, memberID: String, role: CustodyRole, keyID: String, recordDigest: String,
        signedAt: Date, recordedAt: Date, authentication: String, envelope: DSSEEnvelope
    ) {
        self.id = id
        self.transferID = transferID
        self.organizationID = organizationID
        self.memberID = memberID
        self.role = role
        self.keyID = keyID
        self.recordDigest = recordDigest
        self.signedAt = signedAt
        self.recordedAt = recordedAt
        self.authentication = authentication
        self.envelope = envelope
    }
}

/// One item as the receiver records it.
public struct CustodyReceiptItem: Sendable, Hashable, Codable {
    public var asset: String
    public var outcome: CustodyOutcome
    public var note: String?

    public init(asset: String, outcome: CustodyOutcome, note: String? = nil) {
        self.asset = asset
        self.outcome = outcome
        self.note = note
    }
}

/// Who may do what to a custody transfer, and the fixed statements. Pure rules.
public enum CustodyRules {
    /// What each party's signature says. Fixed text, so a signature always means the same thing.
    public static func statement(for role: CustodyRole) -> String {
        switch role {
        case .giver: "I handed over the items in this record; what it says arrived, is missing or damaged is true to the best of my knowledge."
        case .receiver: "I received the items in this record as it says, and accept custody of what arrived."
        }
    }

    /// A transfer is visible to its parties, their managers, whoever started it, admins and auditors.
    public static func canSee(_ transfer: CustodyTransfer, from: Member?, to: Member?, actor: Member) -> Bool {
        guard actor.organizationID == transfer.organizationID else { return false }
        switch actor.role {
        case .admin, .auditor: return true
        case .manager, .member:
            return [transfer.fromID, transfer.toID, transfer.startedBy].contains(actor.id) || from?.managerID == actor.id || to?.managerID == actor.id
        }
    }

    /// A transfer is started by its giver, its receiver, a manager of either, or an admin.
    public static func canStart(from: Member, to: Member, actor: Member) -> Bool {
        switch actor.role {
        case .admin: true
        case .auditor: false
        case .manager, .member: actor.id == from.id || actor.id == to.id || from.managerID == actor.id || to.managerID == actor.id
        }
    }

    /// Refuses a signature `actor` may not give now: only a party signs, in their own role, once
    /// the receiver recorded what arrived and before completion.
    public static func checkSigning(_ transfer: CustodyTransfer, role: CustodyRole, by actor: Member) throws(HandoverError) {
        let action = "sign this custody transfer as \(role.rawValue)"
        guard let own = transfer.role(of: actor.id) else { throw .notPermitted(action: action, reason: "only its giver and its receiver sign it") }
        guard own == role else { throw .notPermitted(action: action, reason: "you are its \(own.rawValue)") }
        switch transfer.state {
        case .awaitingReceipt: throw .conflict("The receiver has not recorded what arrived yet: there is nothing to sign until they do.")
        case .completed: throw .conflict("This custody transfer is completed; nothing more to sign.")
        case .awaitingSignatures: break
        }
    }
}
