import Foundation
import HandoverCore

// Bodies of the physical-asset and custody endpoints. An asset is sent as `PhysicalAsset`
// itself, a chain of custody as `CustodyHistory` (like the certificate of completion).

/// `POST /assets`.
public struct CreatePhysicalAssetRequest: Codable, Sendable {
    public var kind: PhysicalAssetKind
    public var name: String
    public var serial: String?
    public var location: String?
    public var condition: PhysicalAssetCondition?
    public var custodianID: String
    public var accountID: String?

    public init(
        kind: PhysicalAssetKind, name: String, serial: String? = nil, location: String? = nil, condition: PhysicalAssetCondition? = nil, custodianID: String,
        accountID: String? = nil
    ) {
        self.kind = kind
        self.name = name
        self.serial = serial
        self.location = location
        self.condition = condition
        self.custodianID = custodianID
        self.accountID = accountID
    }
}

/// `PATCH /assets/{id}`: the fields to change. Custody is not among them: only a signed transfer moves an item.
public struct UpdatePhysicalAssetRequest: Codable, Sendable {
    public var name: String?
    public var serial: String?
    public var location: String?
    public var condition: PhysicalAssetCondition?

    public init(name: String? = nil, serial: String? = nil, location: String? = nil, condition: PhysicalAssetCondition? = nil) {
        self.name = name
        self.serial = serial
        self.location = location
        self.condition = condition
    }
}

/// `POST /custody-transfers`.
public struct StartCustodyTransferRequest: Codable, Sendable {
    public var fromID: String
    public var toID: String
    public var handoverID: String?
    /// Only these of the giver's assets; all they hold (not lost) when absent.
    public var assetIDs: [String]?

    public init(fromID: String, toID: String, handoverID: String? = nil, assetIDs: [String]? = nil) {
        self.fromID = fromID
        self.toID = toID
        self.handoverID = handoverID
        self.assetIDs = assetIDs
    }
}

/// An extra item as the receiver records it.
public struct CustodyExtraInput: Codable, Sendable {
    public var description: String
    /// Given: registered as an asset the receiver holds when the transfer completes.
    public var kind: PhysicalAssetKind?
    public var serial: String?

    public init(description: String, kind: PhysicalAssetKind? = nil, serial: String? = nil) {
        self.description = description
        self.kind = kind
        self.serial = serial
    }

    public var extra: CustodyExtra { CustodyExtra(description: description, kind: kind, serial: serial ?? "") }
}

/// `PUT /custody-transfers/{id}/receipt`: what arrived.
public struct CustodyReceiptRequest: Codable, Sendable {
    public var items: [CustodyReceiptItem]
    public var extras: [CustodyExtraInput]?

    public init(items: [CustodyReceiptItem], extras: [CustodyExtraInput]? = nil) {
        self.items = items
        self.extras = extras
    }
}

/// `POST /custody-transfers/{id}/signatures`.
public struct CustodySignatureRequest: Codable, Sendable {
    public var envelope: DSSEEnvelope

    public init(envelope: DSSEEnvelope) { self.envelope = envelope }
}

/// `GET /custody-transfers/{id}/payload`: the statement to sign, base64 and readable.
public struct CustodyPayloadResponse: Codable, Sendable {
    public var payloadType: String
    public var payload: String
    public var fields: CustodyStatement

    public init(payloadType: String, payload: String, fields: CustodyStatement) {
        self.payloadType = payloadType
        self.payload = payload
        self.fields = fields
    }
}

/// A custody transfer with its signatures and what completion still needs.
public struct CustodyTransferResponse: Codable, Sendable {
    public var transfer: CustodyTransfer
    /// The digest the next signature must sign.
    public var recordDigest: String
    public var signatures: [CustodySignature]
    /// Ids of the signatures over the current record.
    public var valid: [String]
    public var missing: [CustodyRole]

    public init(transfer: CustodyTransfer, recordDigest: String, signatures: [CustodySignature], valid: [String], missing: [CustodyRole]) {
        self.transfer = transfer
        self.recordDigest = recordDigest
        self.signatures = signatures
        self.valid = valid
        self.missing = missing
    }
}
