import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// Physical assets and custody transfers. Every write appends its audit entries in its own
/// transaction; completing a transfer moves every item in the transaction of the signature that
/// completes it, one `asset.custody` entry per item.
extension SQLHandoverStore {
    static let assetColumns = "id, organization_id, kind, name, serial, location, condition, custodian_id, account_id, version, created_at, updated_at"

    static func decodeAsset(_ row: any SQLRow) throws -> PhysicalAsset {
        PhysicalAsset(
            id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
            kind: PhysicalAssetKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .other,
            name: try row.decode(column: "name", as: String.self), serial: try row.decode(column: "serial", as: String?.self),
            location: try row.decode(column: "location", as: String.self),
            condition: PhysicalAssetCondition(rawValue: try row.decode(column: "condition", as: String.self)) ?? .good,
            custodianID: try row.decode(column: "custodian_id", as: String.self), accountID: try row.decode(column: "account_id", as: String?.self),
            version: try row.decode(column: "version", as: Int.self), createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Date(millis: try row.decode(column: "updated_at", as: Int64.self)))
    }

    /// What an `asset.update` entry commits to: every field but the custodian, which only a transfer changes.
    static func assetDigest(_ asset: PhysicalAsset) throws -> String {
        try CanonicalJSON.digest([
            "asset": asset.id, "kind": asset.kind.rawValue, "name": asset.name, "serial": asset.serial ?? "", "location": asset.location,
            "condition": asset.condition.rawValue, "account": asset.accountID ?? "", "version": String(asset.version),
        ])
    }

    static func insertAsset(_ asset: PhysicalAsset, by actor: AuditActor, _ db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO physical_assets (id, organization_id, kind, name, serial, location, condition, custodian_id, account_id, version, created_at, updated_at)
            VALUES (\(bind: asset.id), \(bind: asset.organizationID), \(bind: asset.kind.rawValue), \(bind: asset.name), \(bind: asset.serial),
                    \(bind: asset.location), \(bind: asset.condition.rawValue), \(bind: asset.custodianID), \(bind: asset.accountID), \(bind: asset.version),
                    \(bind: asset.createdAt.millis), \(bind: asset.updatedAt.millis))
            """
        ).run()
        try await appendAudit(
            [AuditRecord(action: "asset.create", target: "asset:\(asset.id)", digest: try CustodyAudit.creationDigest(asset: asset.id, custodian: asset.custodianID))],
            organizationID: asset.organizationID, actor: actor, at: asset.createdAt, db)
    }

    public func createPhysicalAsset(_ asset: PhysicalAsset, by actor: AuditActor) async throws {
        try await write("an asset with serial number \(asset.serial ?? "") is already registered") { db in
            try await Self.insertAsset(asset, by: actor, db)
        }
    }

    public func updatePhysicalAsset(_ asset: PhysicalAsset, expectedVersion: Int, by actor: AuditActor) async throws {
        try await write("an asset with serial number \(asset.serial ?? "") is already registered") { db in
            let updated = try await db.raw(
                """
                UPDATE physical_assets SET name = \(bind: asset.name), serial = \(bind: asset.serial), location = \(bind: asset.location),
                    condition = \(bind: asset.condition.rawValue), version = \(bind: asset.version), updated_at = \(bind: asset.updatedAt.millis)
                WHERE id = \(bind: asset.id) AND organization_id = \(bind: asset.organizationID) AND version = \(bind: expectedVersion)
                RETURNING id
                """
            ).all()
            if updated.isEmpty { throw StoreError.stale("asset \(asset.id) changed since version \(expectedVersion) was read") }
            try await Self.appendAudit(
                [AuditRecord(action: "asset.update", target: "asset:\(asset.id)", digest: try Self.assetDigest(asset))],
                organizationID: asset.organizationID, actor: actor, at: asset.updatedAt, db)
        }
    }

    public func physicalAsset(id: String, organizationID: String) async throws -> PhysicalAsset? {
        try await database.withSession { db in
            try await db.raw("SELECT \(unsafeRaw: Self.assetColumns) FROM physical_assets WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)")
                .first().map(Self.decodeAsset)
        }
    }

    public func physicalAsset(serial: String, organizationID: String) async throws -> PhysicalAsset? {
        try await database.withSession { db in try await Self.physicalAsset(serial: serial, organizationID: organizationID, db) }
    }

    static func physicalAsset(serial: String, organizationID: String, _ db: any SQLDatabase) async throws -> PhysicalAsset? {
        try await db.raw(
            "SELECT \(unsafeRaw: Self.assetColumns) FROM physical_assets WHERE organization_id = \(bind: organizationID) AND serial = \(bind: serial)"
        ).first().map(Self.decodeAsset)
    }

    public func physicalAssets(organizationID: String, filter: PhysicalAssetFilter) async throws -> [PhysicalAsset] {
        try await database.withSession { db in
            var query = SQLQueryString("SELECT \(unsafeRaw: Self.assetColumns) FROM physical_assets WHERE organization_id = \(bind: organizationID)")
            if let custodian = filter.custodianID { query += " AND custodian_id = \(bind: custodian)" }
            if let account = filter.accountID { query += " AND account_id = \(bind: account)" }
            query += " ORDER BY name, id LIMIT \(bind: max(1, min(filter.limit, 1000)))"
            return try await db.raw(query).all().map(Self.decodeAsset)
        }
    }

    // MARK: Transfers

    static let transferColumns =
        "id, organization_id, from_id, to_id, handover_id, state, items, extras, receipt_version, started_by, created_at, received_at, completed_at"

    static func decodeTransfer(_ row: any SQLRow) throws -> CustodyTransfer {
        CustodyTransfer(
            id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
            fromID: try row.decode(column: "from_id", as: String.self), toID: try row.decode(column: "to_id", as: String.self),
            handoverID: try row.decode(column: "handover_id", as: String?.self),
            state: CustodyState(rawValue: try row.decode(column: "state", as: String.self)) ?? .awaitingReceipt,
            items: try JSONCoding.decode([CustodyItem].self, from: try row.decode(column: "items", as: String.self)),
            extras: try JSONCoding.decode([CustodyExtra].self, from: try row.decode(column: "extras", as: String.self)),
            receiptVersion: try row.decode(column: "receipt_version", as: Int.self), startedBy: try row.decode(column: "started_by", as: String.self),
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
            receivedAt: try row.decode(column: "received_at", as: Int64?.self).map(Date.init(millis:)),
            completedAt: try row.decode(column: "completed_at", as: Int64?.self).map(Date.init(millis:)))
    }

    public func createCustodyTransfer(_ transfer: CustodyTransfer, by actor: AuditActor) async throws {
        try await write { db in
            try await db.raw(
                """
                INSERT INTO custody_transfers (id, organization_id, from_id, to_id, handover_id, state, items, extras, receipt_version, started_by, created_at)
                VALUES (\(bind: transfer.id), \(bind: transfer.organizationID), \(bind: transfer.fromID), \(bind: transfer.toID), \(bind: transfer.handoverID),
                        \(bind: transfer.state.rawValue), \(bind: try JSONCoding.encode(transfer.items)), \(bind: try JSONCoding.encode(transfer.extras)),
                        \(bind: transfer.receiptVersion), \(bind: transfer.startedBy), \(bind: transfer.createdAt.millis))
                """
            ).run()
            try await Self.indexTransferItems(transfer.id, organizationID: transfer.organizationID, assets: transfer.items.map(\.asset), db)
            try await Self.appendAudit(
                [AuditRecord(action: "custody.start", target: "custody:\(transfer.id)", digest: try transfer.recordDigest)],
                organizationID: transfer.organizationID, actor: actor, at: transfer.createdAt, db)
        }
    }

    public func custodyTransfer(id: String, organizationID: String) async throws -> CustodyTransfer? {
        try await database.withSession { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.transferColumns) FROM custody_transfers WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)"
            ).first().map(Self.decodeTransfer)
        }
    }

    public func custodyTransfers(organizationID: String, memberID: String?, limit: Int) async throws -> [CustodyTransfer] {
        try await database.withSession { db in
            var query = SQLQueryString("SELECT \(unsafeRaw: Self.transferColumns) FROM custody_transfers WHERE organization_id = \(bind: organizationID)")
            if let memberID { query += " AND (from_id = \(bind: memberID) OR to_id = \(bind: memberID) OR started_by = \(bind: memberID))" }
            query += " ORDER BY created_at DESC, id DESC LIMIT \(bind: max(1, min(limit, 1000)))"
            return try await db.raw(query).all().map(Self.decodeTransfer)
        }
    }

    /// Files the transfer under each expected asset (`custody_transfer_items`), so an asset's
    /// history finds its transfers by index. The expected items never change after the start.
    static func indexTransferItems(_ transferID: String, organizationID: String, assets: [String], _ db: any SQLDatabase) async throws {
        for asset in Set(assets).sorted() {
            try await db.raw(
                """
                INSERT INTO custody_transfer_items (transfer_id, organization_id, asset_id)
                VALUES (\(bind: transferID), \(bind: organizationID), \(bind: asset))
                """
            ).run()
        }
    }

    /// Migration 15: files the transfers written before `custody_transfer_items` existed.
    static func backfillTransferItems(_ db: any SQLDatabase) async throws {
        let rows = try await db.raw("SELECT id, organization_id, items FROM custody_transfers").all()
        for row in rows {
            let items = try JSONCoding.decode([CustodyItem].self, from: try row.decode(column: "items", as: String.self))
            try await indexTransferItems(
                try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
                assets: items.map(\.asset), db)
        }
    }

    public func completedCustodyTransfers(assetID: String, organizationID: String) async throws -> [CustodyTransfer] {
        try await database.withSession { db in
            let columns = Self.transferColumns.split(separator: ",").map { "t.\($0.trimmingCharacters(in: .whitespaces))" }.joined(separator: ", ")
            return try await db.raw(
                """
                SELECT \(unsafeRaw: columns) FROM custody_transfer_items i JOIN custody_transfers t ON t.id = i.transfer_id
                WHERE i.organization_id = \(bind: organizationID) AND i.asset_id = \(bind: assetID) AND t.state = 'completed'
                ORDER BY t.completed_at, t.id
                """
            ).all().map(Self.decodeTransfer)
        }
    }

    /// Locks the transfer's row (PostgreSQL) at `receiptVersion` while not completed, and reads it.
    static func lockTransfer(id: String, organizationID: String, receiptVersion: Int, _ db: any SQLDatabase) async throws -> CustodyTransfer {
        let locked = try await db.raw(
            """
            UPDATE custody_transfers SET receipt_version = receipt_version
            WHERE id = \(bind: id) AND organization_id = \(bind: organizationID) AND receipt_version = \(bind: receiptVersion) AND state <> 'completed'
            RETURNING \(unsafeRaw: transferColumns)
            """
        ).first()
        guard let locked else {
            throw StoreError.stale("custody transfer \(id) changed since its record was read (another receipt, or it completed); reload it")
        }
        return try decodeTransfer(locked)
    }

    public func recordCustodyReceipt(
        transferID: String, organizationID: String, items: [CustodyItem], extras: [CustodyExtra], expectedReceiptVersion: Int, at now: Date, by actor: AuditActor
    ) async throws -> CustodyTransfer {
        try await write { db in
            var transfer = try await Self.lockTransfer(id: transferID, organizationID: organizationID, receiptVersion: expectedReceiptVersion, db)
            transfer.items = items
            transfer.extras = extras
            transfer.receiptVersion += 1
            transfer.state = .awaitingSignatures
            transfer.receivedAt = now
            try await db.raw(
                """
                UPDATE custody_transfers SET items = \(bind: try JSONCoding.encode(items)), extras = \(bind: try JSONCoding.encode(extras)),
                    receipt_version = \(bind: transfer.receiptVersion), state = \(bind: transfer.state.rawValue), received_at = \(bind: now.millis)
                WHERE id = \(bind: transferID)
                """
            ).run()
            try await Self.appendAudit(
                [AuditRecord(action: "custody.receipt", target: "custody:\(transferID)", digest: try transfer.recordDigest)],
                organizationID: organizationID, actor: actor, at: now, db)
            return transfer
        }
    }

    public func custodySignatures(transferID: String, organizationID: String) async throws -> [CustodySignature] {
        try await database.withSession { db in
            try await Self.custodySignatures(transferID: transferID, organizationID: organizationID, db)
        }
    }

    static func custodySignatures(transferID: String, organizationID: String, _ db: any SQLDatabase) async throws -> [CustodySignature] {
        try await db.raw(
            """
            SELECT id, organization_id, transfer_id, member_id, role, key_id, record_digest, signed_at, recorded_at, authentication, envelope
            FROM custody_signatures WHERE transfer_id = \(bind: transferID) AND organization_id = \(bind: organizationID) ORDER BY recorded_at, id
            """
        ).all().map { row in
            CustodySignature(
                id: try row.decode(column: "id", as: String.self), transferID: try row.decode(column: "transfer_id", as: String.self),
                organizationID: try row.decode(column: "organization_id", as: String.self), memberID: try row.decode(column: "member_id", as: String.self),
                role: CustodyRole(rawValue: try row.decode(column: "role", as: String.self)) ?? .giver, keyID: try row.decode(column: "key_id", as: String.self),
                recordDigest: try row.decode(column: "record_digest", as: String.self),
                signedAt: Date(millis: try row.decode(column: "signed_at", as: Int64.self)),
                recordedAt: Date(millis: try row.decode(column: "recorded_at", as: Int64.self)),
                authentication: try row.decode(column: "authentication", as: String.self),
                envelope: try JSONCoding.decode(DSSEEnvelope.self, from: try row.decode(column: "envelope", as: String.self)))
        }
    }

    public func addCustodySignature(_ signature: CustodySignature, extraAssetIDs: [String]) async throws -> CustodyTransfer {
        try await write("the \(signature.role.rawValue) already signed this record") { db in
            // The signer read the record at some receipt version; the row must still hold exactly
            // that record (its digest), or the signature is over something else.
            let row = try await db.raw(
                """
                SELECT receipt_version FROM custody_transfers WHERE id = \(bind: signature.transferID) AND organization_id = \(bind: signature.organizationID)
                """
            ).first()
            guard let row else { throw StoreError.notFound("custody transfer \(signature.transferID)") }
            var transfer = try await Self.lockTransfer(
                id: signature.transferID, organizationID: signature.organizationID, receiptVersion: try row.decode(column: "receipt_version", as: Int.self), db)
            guard try transfer.recordDigest == signature.recordDigest else {
                throw StoreError.stale("the record of custody transfer \(transfer.id) changed after it was signed; review it and sign again")
            }
            let active = try await db.raw(
                """
                SELECT id FROM signing_keys WHERE id = \(bind: signature.keyID) AND member_id = \(bind: signature.memberID) AND revoked_at IS NULL
                """
            ).first()
            if active == nil { throw StoreError.stale("key \(signature.keyID) was revoked") }
            let envelope = String(decoding: try CanonicalJSON.encode(signature.envelope), as: UTF8.self)
            try await db.raw(
                """
                INSERT INTO custody_signatures (id, organization_id, transfer_id, member_id, role, key_id, record_digest, signed_at, recorded_at, authentication, envelope)
                VALUES (\(bind: signature.id), \(bind: signature.organizationID), \(bind: signature.transferID), \(bind: signature.memberID),
                        \(bind: signature.role.rawValue), \(bind: signature.keyID), \(bind: signature.recordDigest), \(bind: signature.signedAt.millis),
                        \(bind: signature.recordedAt.millis), \(bind: signature.authentication), \(bind: envelope))
                """
            ).run()
            let actor = AuditActor(member: signature.memberID)
            try await Self.appendAudit(
                [AuditRecord(action: "custody.sign", target: "custody:\(transfer.id)", digest: Hex.sha256(Array(envelope.utf8)))],
                organizationID: signature.organizationID, actor: actor, at: signature.recordedAt, db)

            // Both parties' signatures over this record, by keys not revoked: custody moves now.
            var counting: [CustodyRole: CustodySignature] = [:]
            for signed in try await Self.custodySignatures(transferID: transfer.id, organizationID: transfer.organizationID, db)
            where signed.recordDigest == signature.recordDigest {
                let key = try await db.raw("SELECT id FROM signing_keys WHERE id = \(bind: signed.keyID) AND revoked_at IS NULL").first()
                if key != nil { counting[signed.role] = signed }
            }
            guard let giver = counting[.giver], let receiver = counting[.receiver] else { return transfer }
            let envelopes = [try CustodyAudit.envelopeDigest(giver.envelope), try CustodyAudit.envelopeDigest(receiver.envelope)]
            let now = signature.recordedAt
            var records: [AuditRecord] = []
            for item in transfer.items {
                guard let outcome = item.outcome else { throw StoreError.damaged("custody transfer \(transfer.id) has an item without an outcome") }
                var query = SQLQueryString("UPDATE physical_assets SET ")
                switch outcome {
                case .received: query += "custodian_id = \(bind: transfer.toID)"
                case .damaged: query += "custodian_id = \(bind: transfer.toID), condition = 'damaged'"
                case .missing: query += "condition = 'lost'"
                }
                query += """
                     , version = version + 1, updated_at = \(bind: now.millis)
                    WHERE id = \(bind: item.asset) AND organization_id = \(bind: transfer.organizationID) AND custodian_id = \(bind: transfer.fromID)
                    RETURNING id
                    """
                let updated = try await db.raw(query).all()
                if updated.isEmpty {
                    throw StoreError.conflict(
                        "\(item.name) is no longer held by the giver (it moved in another transfer since this one began); start a new transfer for what they hold now.")
                }
                let to = outcome == .missing ? transfer.fromID : transfer.toID
                records.append(
                    AuditRecord(
                        action: "asset.custody", target: "asset:\(item.asset)",
                        digest: try CustodyAudit.entryDigest(
                            asset: item.asset, from: transfer.fromID, to: to, transfer: transfer.id, outcome: outcome, recordDigest: signature.recordDigest,
                            envelopes: envelopes)))
            }
            // Extras to register become assets the receiver holds, from now; their chain starts here.
            var ids = extraAssetIDs.makeIterator()
            for index in transfer.extras.indices where transfer.extras[index].registers {
                guard let id = ids.next(), let kind = transfer.extras[index].kind else { throw StoreError.damaged("no id for an extra item to register") }
                let extra = transfer.extras[index]
                let asset = PhysicalAsset(
                    id: id, organizationID: transfer.organizationID, kind: kind, name: extra.description, serial: extra.serial.isEmpty ? nil : extra.serial,
                    location: "", condition: .good, custodianID: transfer.toID, accountID: nil, createdAt: now, updatedAt: now)
                // The receipt checked the serial was free; someone may have registered it since.
                // Said here, naming the extra, rather than as whichever unique index fires.
                let taken = StoreError.conflict(
                    "The extra item \"\(extra.description)\" cannot be registered: serial number \(extra.serial) was registered to another asset after the receipt. "
                        + "The receiver records what arrived again (without that serial, or leaving it unregistered), and both sign that record.")
                if !extra.serial.isEmpty, try await Self.physicalAsset(serial: extra.serial, organizationID: transfer.organizationID, db) != nil { throw taken }
                do { try await Self.insertAsset(asset, by: actor, db) } catch  where StoreError.isUniqueViolation(error) { throw taken }
                transfer.extras[index].asset = id
            }
            transfer.state = .completed
            transfer.completedAt = now
            try await db.raw(
                """
                UPDATE custody_transfers SET state = 'completed', completed_at = \(bind: now.millis), extras = \(bind: try JSONCoding.encode(transfer.extras))
                WHERE id = \(bind: transfer.id)
                """
            ).run()
            records.append(AuditRecord(action: "custody.complete", target: "custody:\(transfer.id)", digest: signature.recordDigest))
            try await Self.appendAudit(records, organizationID: transfer.organizationID, actor: actor, at: now, db)
            return transfer
        }
    }
}
