import Foundation
import HandoverCore
import HandoverTrust

/// The assets page: the items the viewer may see and the custody transfers they may see.
public struct PhysicalAssetsModel: Sendable {
    public var assets: [PhysicalAsset]
    public var transfers: [CustodyTransfer]
    public var memberNames: [String: String]

    public init(assets: [PhysicalAsset], transfers: [CustodyTransfer], memberNames: [String: String]) {
        self.assets = assets
        self.transfers = transfers
        self.memberNames = memberNames
    }
}

/// A transfer's page: expected against arrived, the signatures, and what the viewer may do now.
public struct CustodyTransferModel: Sendable {
    public var transfer: CustodyTransfer
    public var recordDigest: String
    public var signatures: [CustodySignature]
    public var valid: [String]
    public var missing: [CustodyRole]
    public var memberNames: [String: String]
    /// The statement the viewer would sign now, when they may sign and have not signed this record.
    public var statement: CustodyStatement?
    /// The viewer's signing keys not revoked (the browser script reuses one it holds).
    public var myKeys: [String]

    public init(
        transfer: CustodyTransfer, recordDigest: String, signatures: [CustodySignature], valid: [String], missing: [CustodyRole],
        memberNames: [String: String], statement: CustodyStatement?, myKeys: [String]
    ) {
        self.transfer = transfer
        self.recordDigest = recordDigest
        self.signatures = signatures
        self.valid = valid
        self.missing = missing
        self.memberNames = memberNames
        self.statement = statement
        self.myKeys = myKeys
    }
}

extension CustodyService {
    public func assetsPage(for me: Member) async throws -> PhysicalAssetsModel {
        let members = try await store.members(organizationID: me.organizationID)
        return PhysicalAssetsModel(assets: try await assets(by: me), transfers: try await transfers(by: me), memberNames: Member.namesByID(members))
    }

    public func transferPage(id: String, for me: Member) async throws -> CustodyTransferModel {
        let status = try await status(id: id, by: me)
        let members = try await store.members(organizationID: me.organizationID)
        var statement: CustodyStatement?
        if let role = status.transfer.role(of: me.id), (try? CustodyRules.checkSigning(status.transfer, role: role, by: me)) != nil, status.missing.contains(role) {
            statement = try CustodyStatement(signing: status.transfer, signer: me.id, role: role, at: clock.now())
        }
        let keys = try await store.signingKeys(organizationID: me.organizationID, memberID: me.id).filter { $0.revokedAt == nil }.map(\.id)
        return CustodyTransferModel(
            transfer: status.transfer, recordDigest: status.recordDigest, signatures: status.signatures, valid: status.valid, missing: status.missing,
            memberNames: Member.namesByID(members), statement: statement, myKeys: keys)
    }
}
