import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust

/// Physical assets and their custody. Admins and managers register items; an item changes hands
/// only through a custody transfer: the receiver records what arrived (the difference log), both
/// parties sign that record with their enrolled keys (checked exactly as sign-offs are), and the
/// second signature moves every item in one transaction, one audit entry per item.
public struct CustodyService: Sendable {
    let store: any HandoverStore
    let handovers: HandoverService
    let audit: AuditService
    let clock: WallClock
    let ids: IDMaker

    // MARK: Assets

    /// Text limits, as the spec's maxLength counts (Unicode scalars).
    static let nameLimit = 200, serialLimit = 100, locationLimit = 200, noteLimit = 1000

    public func registerAsset(
        kind: PhysicalAssetKind, name: String, serial: String?, location: String?, condition: PhysicalAssetCondition?, custodianID: String,
        accountID: String?, by actor: Member
    ) async throws -> PhysicalAsset {
        guard PhysicalAssetAccess.canRegister(actor) else {
            throw HandoverError.notPermitted(action: "register an asset", reason: "only admins and managers register assets")
        }
        var problems: [Problem] = []
        let name = Self.text(name, "name", limit: Self.nameLimit, required: true, &problems)
        let serial = Self.text(serial ?? "", "serial", limit: Self.serialLimit, required: false, &problems)
        let location = Self.text(location ?? "", "location", limit: Self.locationLimit, required: false, &problems)
        if condition == .lost { problems.append(Problem(path: "condition", message: "a new asset cannot be lost; register it as good, worn or damaged")) }
        guard let custodian = try await store.member(id: custodianID, organizationID: actor.organizationID) else { throw StoreError.notFound("member \(custodianID)") }
        if custodian.role == .auditor { problems.append(Problem(path: "custodianID", message: "an auditor cannot hold assets")) }
        if let accountID { _ = try await handovers.accounts.account(id: accountID, by: actor) }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        try CredentialGuard.refuse(CredentialScan.findings([("name", name), ("serial", serial), ("location", location)]))
        let now = clock.now()
        let asset = PhysicalAsset(
            id: ids.next(at: now), organizationID: actor.organizationID, kind: kind, name: name, serial: serial.isEmpty ? nil : serial, location: location,
            condition: condition ?? .good, custodianID: custodian.id, accountID: accountID, createdAt: now, updatedAt: now)
        try await store.createPhysicalAsset(asset, by: AuditActor(member: actor.id))
        return asset
    }

    /// An asset the caller may see; 404 otherwise, as for another organization's.
    public func asset(id: String, by actor: Member) async throws -> PhysicalAsset {
        guard let asset = try await store.physicalAsset(id: id, organizationID: actor.organizationID), try await canSee(asset, actor) else {
            throw StoreError.notFound("asset \(id)")
        }
        return asset
    }

    /// The assets the caller may see, by name.
    public func assets(custodianID: String? = nil, accountID: String? = nil, by actor: Member) async throws -> [PhysicalAsset] {
        if let custodianID, try await store.member(id: custodianID, organizationID: actor.organizationID) == nil { throw StoreError.notFound("member \(custodianID)") }
        if let accountID { _ = try await handovers.accounts.account(id: accountID, by: actor) }
        let all = try await store.physicalAssets(organizationID: actor.organizationID, filter: PhysicalAssetFilter(custodianID: custodianID, accountID: accountID))
        if actor.role == .admin || actor.role == .auditor { return all }
        var visible: [PhysicalAsset] = []
        for asset in all where try await canSee(asset, actor) { visible.append(asset) }
        return visible
    }

    /// Edits what an item is and where it is; never who holds it (only a signed transfer moves it).
    public func updateAsset(
        id: String, name: String?, serial: String?, location: String?, condition: PhysicalAssetCondition?, expectedVersion: Int?, by actor: Member
    ) async throws -> PhysicalAsset {
        var asset = try await asset(id: id, by: actor)
        guard PhysicalAssetAccess.canRegister(actor) else {
            throw HandoverError.notPermitted(action: "edit this asset", reason: "only admins and managers edit assets")
        }
        if let expectedVersion, expectedVersion != asset.version {
            throw StoreError.stale("asset \(id) is at version \(asset.version), not \(expectedVersion)")
        }
        var problems: [Problem] = []
        if let name { asset.name = Self.text(name, "name", limit: Self.nameLimit, required: true, &problems) }
        if let serial {
            let serial = Self.text(serial, "serial", limit: Self.serialLimit, required: false, &problems)
            asset.serial = serial.isEmpty ? nil : serial
        }
        if let location { asset.location = Self.text(location, "location", limit: Self.locationLimit, required: false, &problems) }
        if let condition { asset.condition = condition }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        try CredentialGuard.refuse(CredentialScan.findings([("name", name), ("serial", serial), ("location", location)]))
        let read = asset.version
        asset.version += 1
        asset.updatedAt = clock.now()
        try await store.updatePhysicalAsset(asset, expectedVersion: read, by: AuditActor(member: actor.id))
        return asset
    }

    func canSee(_ asset: PhysicalAsset, _ actor: Member) async throws -> Bool {
        if actor.role == .admin || actor.role == .auditor || asset.custodianID == actor.id { return actor.organizationID == asset.organizationID }
        let custodian = try await store.member(id: asset.custodianID, organizationID: asset.organizationID)
        var owner: Member?
        if let accountID = asset.accountID, let account = try await store.account(id: accountID, organizationID: asset.organizationID) {
            owner = try await store.member(id: account.ownerID, organizationID: asset.organizationID)
        }
        return PhysicalAssetAccess.canSee(asset, custodian: custodian, accountOwner: owner, actor: actor)
    }

    static func text(_ text: String, _ path: String, limit: Int, required: Bool, _ problems: inout [Problem]) -> String {
        let tooLong = text.unicodeScalars.count > limit
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if tooLong || (required && trimmed.isEmpty) {
            problems.append(Problem(path: path, message: required ? "give 1 to \(limit) characters" : "at most \(limit) characters"))
        }
        return trimmed
    }

    // MARK: Transfers

    /// A transfer and what completion still needs.
    public struct TransferStatus: Sendable {
        public var transfer: CustodyTransfer
        /// Hex digest of the record now (what the next signature must sign).
        public var recordDigest: String
        public var signatures: [CustodySignature]
        /// Ids of the signatures over the current record by keys not revoked.
        public var valid: [String]
        /// Roles still to sign the current record.
        public var missing: [CustodyRole]
    }

    /// Starts a transfer of what `fromID` holds (all of it, or the listed assets) to `toID`,
    /// optionally as part of a handover between the same two people.
    public func startTransfer(fromID: String, toID: String, handoverID: String?, assetIDs: [String]?, by actor: Member) async throws -> CustodyTransfer {
        guard let from = try await store.member(id: fromID, organizationID: actor.organizationID) else { throw StoreError.notFound("member \(fromID)") }
        guard let to = try await store.member(id: toID, organizationID: actor.organizationID) else { throw StoreError.notFound("member \(toID)") }
        guard CustodyRules.canStart(from: from, to: to, actor: actor) else {
            throw HandoverError.notPermitted(
                action: "start this custody transfer",
                reason: actor.role == .auditor ? "auditors have read-only access" : "only its giver, its receiver, a manager of either, or an admin starts one")
        }
        var problems: [Problem] = []
        if from.id == to.id { problems.append(Problem(path: "toID", message: "must be someone other than the giver")) }
        if to.role == .auditor { problems.append(Problem(path: "toID", message: "an auditor cannot hold assets")) }
        if let handoverID {
            let (handover, _) = try await handovers.handover(id: handoverID, by: actor)
            if handover.transferorID != from.id || handover.recipientID != to.id {
                problems.append(Problem(path: "handoverID", message: "must be a handover from the giver to the receiver"))
            }
        }
        let held = try await store.physicalAssets(organizationID: actor.organizationID, filter: PhysicalAssetFilter(custodianID: from.id, limit: 1000))
            .filter { $0.condition != .lost }
        var expected = held
        if let assetIDs {
            for (index, id) in assetIDs.enumerated() where !held.contains(where: { $0.id == id }) {
                problems.append(Problem(path: "assetIDs[\(index)]", message: "\(from.name) does not hold asset \(id)"))
            }
            if Set(assetIDs).count != assetIDs.count { problems.append(Problem(path: "assetIDs", message: "lists an asset twice")) }
            expected = held.filter { assetIDs.contains($0.id) }
        }
        if expected.isEmpty && problems.isEmpty { problems.append(Problem(path: "fromID", message: "\(from.name) holds no assets to hand over")) }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        let now = clock.now()
        let transfer = CustodyTransfer(
            id: ids.next(at: now), organizationID: actor.organizationID, fromID: from.id, toID: to.id, handoverID: handoverID,
            items: expected.map { CustodyItem(asset: $0.id, kind: $0.kind, name: $0.name, serial: $0.serial ?? "") }, startedBy: actor.id, createdAt: now)
        try await store.createCustodyTransfer(transfer, by: AuditActor(member: actor.id))
        return transfer
    }

    /// A transfer the caller may see; 404 otherwise.
    public func transfer(id: String, by actor: Member) async throws -> CustodyTransfer {
        guard let transfer = try await store.custodyTransfer(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("custody transfer \(id)") }
        if actor.role == .admin || actor.role == .auditor || [transfer.fromID, transfer.toID, transfer.startedBy].contains(actor.id) { return transfer }
        let from = try await store.member(id: transfer.fromID, organizationID: actor.organizationID)
        let to = try await store.member(id: transfer.toID, organizationID: actor.organizationID)
        guard CustodyRules.canSee(transfer, from: from, to: to, actor: actor) else { throw StoreError.notFound("custody transfer \(id)") }
        return transfer
    }

    public func status(id: String, by actor: Member) async throws -> TransferStatus {
        try await status(try await transfer(id: id, by: actor))
    }

    /// For a transfer already read with `transfer(id:by:)`, which checked visibility.
    public func status(_ transfer: CustodyTransfer) async throws -> TransferStatus {
        let digest = try transfer.recordDigest
        let signatures = try await store.custodySignatures(transferID: transfer.id, organizationID: transfer.organizationID)
        var valid: [CustodySignature] = []
        for signature in signatures where signature.recordDigest == digest {
            if let key = try await store.signingKey(id: signature.keyID, organizationID: transfer.organizationID),
                key.revokedAt == nil || (transfer.completedAt.map { key.revokedAt! > $0 } ?? false)
            {
                valid.append(signature)
            }
        }
        let signed = Set(valid.map(\.role))
        return TransferStatus(
            transfer: transfer, recordDigest: digest, signatures: signatures, valid: valid.map(\.id), missing: CustodyRole.allCases.filter { !signed.contains($0) })
    }

    /// The transfers the caller may see, newest first: all for admins and auditors; for anyone
    /// else those they give, receive or started, and (managers) their reports'.
    public func transfers(by actor: Member) async throws -> [CustodyTransfer] {
        if actor.role == .admin || actor.role == .auditor { return try await store.custodyTransfers(organizationID: actor.organizationID, memberID: nil, limit: 500) }
        if actor.role == .member { return try await store.custodyTransfers(organizationID: actor.organizationID, memberID: actor.id, limit: 500) }
        let all = try await store.custodyTransfers(organizationID: actor.organizationID, memberID: nil, limit: 1000)
        let members = Dictionary(try await store.members(organizationID: actor.organizationID).map { ($0.id, $0) }) { first, _ in first }
        return Array(all.filter { CustodyRules.canSee($0, from: members[$0.fromID], to: members[$0.toID], actor: actor) }.prefix(500))
    }

    /// The receiver records what arrived: one outcome per expected item (a note for a damaged
    /// one) and any extras. Recording again replaces the record and voids earlier signatures.
    public func recordReceipt(id: String, items: [CustodyReceiptItem], extras: [CustodyExtra], by actor: Member) async throws -> CustodyTransfer {
        let transfer = try await transfer(id: id, by: actor)
        guard actor.id == transfer.toID else {
            throw HandoverError.notPermitted(action: "record what arrived", reason: "only the receiver records what arrived")
        }
        if transfer.state == .completed { throw HandoverError.conflict("This custody transfer is completed; its record can no longer change.") }
        var problems: [Problem] = []
        var recorded = transfer.items
        var seen: Set<String> = []
        for (index, item) in items.enumerated() {
            guard let position = recorded.firstIndex(where: { $0.asset == item.asset }) else {
                problems.append(Problem(path: "items[\(index)].asset", message: "asset \(item.asset) is not expected in this transfer; list it as an extra"))
                continue
            }
            if !seen.insert(item.asset).inserted { problems.append(Problem(path: "items[\(index)].asset", message: "is listed twice")) }
            let note = Self.text(item.note ?? "", "items[\(index)].note", limit: Self.noteLimit, required: false, &problems)
            if item.outcome == .damaged && note.isEmpty { problems.append(Problem(path: "items[\(index)].note", message: "say what is damaged")) }
            recorded[position].outcome = item.outcome
            recorded[position].note = note
        }
        for item in transfer.items where !seen.contains(item.asset) {
            problems.append(Problem(path: "items", message: "say what became of \(item.name) (\(item.asset)): received, missing or damaged"))
        }
        var cleaned: [CustodyExtra] = []
        for (index, extra) in extras.enumerated() {
            let description = Self.text(extra.description, "extras[\(index)].description", limit: Self.nameLimit, required: true, &problems)
            let serial = Self.text(extra.serial, "extras[\(index)].serial", limit: Self.serialLimit, required: false, &problems)
            if extra.asset != nil { problems.append(Problem(path: "extras[\(index)].asset", message: "is set when the transfer completes, not by the receiver")) }
            // Looked up by serial (unique), not among a page of assets; which asset holds it is
            // not said, as the receiver may not be one who sees it.
            if extra.kind != nil, !serial.isEmpty, try await store.physicalAsset(serial: serial, organizationID: actor.organizationID) != nil {
                problems.append(
                    Problem(path: "extras[\(index)].serial", message: "\(description): an asset with serial number \(serial) is already registered"))
            }
            cleaned.append(CustodyExtra(description: description, kind: extra.kind, serial: serial))
        }
        if extras.count > 100 { problems.append(Problem(path: "extras", message: "at most 100 extra items")) }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        var texts: [(path: String, text: String?)] = []
        for (index, item) in items.enumerated() { texts.append(("items[\(index)].note", item.note)) }
        for (index, extra) in cleaned.enumerated() { texts += [("extras[\(index)].description", extra.description), ("extras[\(index)].serial", extra.serial)] }
        try CredentialGuard.refuse(CredentialScan.findings(texts))
        return try await store.recordCustodyReceipt(
            transferID: transfer.id, organizationID: actor.organizationID, items: recorded, extras: cleaned, expectedReceiptVersion: transfer.receiptVersion,
            at: clock.now(), by: AuditActor(member: actor.id))
    }

    /// The exact statement the caller would sign now.
    public func payload(id: String, role: CustodyRole?, by actor: Member) async throws -> CustodyStatement {
        let transfer = try await transfer(id: id, by: actor)
        let role = role ?? transfer.role(of: actor.id) ?? .giver
        try CustodyRules.checkSigning(transfer, role: role, by: actor)
        return try CustodyStatement(signing: transfer, signer: actor.id, role: role, at: clock.now())
    }

    /// Records a signature after the checks sign-offs get, in the same order: the key is the
    /// caller's and not revoked, the signature is valid over the payload type and payload, the
    /// statement names this transfer, the caller and a role they may sign in now, the role's
    /// statement, the current record (409 if it changed since), and a time near the server's.
    /// The second party's signature completes the transfer.
    public func sign(id: String, envelope: DSSEEnvelope, authentication: String, by actor: Member) async throws -> CustodyTransfer {
        let transfer = try await transfer(id: id, by: actor)
        func invalid(_ message: String, _ path: String = "envelope") -> HandoverError { .invalid([Problem(path: path, message: message)]) }
        guard transfer.role(of: actor.id) != nil else {
            throw HandoverError.notPermitted(action: "sign this custody transfer", reason: "only its giver and its receiver sign it")
        }
        guard envelope.payloadType == CustodyStatement.type else { throw invalid("must be a DSSE envelope of \(CustodyStatement.type)") }
        guard envelope.signatures.count <= 4 else { throw invalid("has \(envelope.signatures.count) signatures; a statement carries its signer's one") }
        var key: SigningKey?
        for keyID in envelope.keyIDs {
            if let found = try await store.signingKey(id: keyID, organizationID: actor.organizationID), found.memberID == actor.id { key = found; break }
        }
        guard let key else { throw invalid("is not signed by a key you enrolled; enrol one with 'handover key new' or sign from the web page") }
        if key.revokedAt != nil { throw invalid("is signed by key \(key.id), which is revoked") }
        let payload: CustodyStatement
        do throws(TrustError) {
            payload = try CustodyStatement.parse(try envelope.verifiedPayload(type: CustodyStatement.type, publicKey: Data(base64Encoded: key.publicKey) ?? Data()))
        } catch {
            throw invalid(error.description)
        }
        guard payload.transfer == transfer.id else { throw invalid("signs custody transfer \(payload.transfer), not \(transfer.id)", "payload.transfer") }
        guard payload.signer == actor.id else { throw invalid("names signer \(payload.signer), not you (\(actor.id))", "payload.signer") }
        try CustodyRules.checkSigning(transfer, role: payload.role, by: actor)
        guard payload.statement == CustodyRules.statement(for: payload.role) else {
            throw invalid("must be exactly: \(CustodyRules.statement(for: payload.role))", "payload.statement")
        }
        let digest = try transfer.recordDigest
        guard payload.recordDigest == digest, (try CanonicalJSON.digest(payload.record)) == digest else {
            throw HandoverError.conflict("The signature is over a record of custody transfer \(transfer.id) that has changed since. Review what arrived and sign again.")
        }
        let now = clock.now()
        if let problem = HandoverService.clockProblem(payload.time, path: "payload.time", now: now) { throw HandoverError.invalid([problem]) }
        let signature = CustodySignature(
            id: ids.next(at: now), transferID: transfer.id, organizationID: actor.organizationID, memberID: actor.id, role: payload.role, keyID: key.id,
            recordDigest: digest, signedAt: payload.date ?? now, recordedAt: now, authentication: authentication, envelope: envelope)
        let extras = transfer.extras.filter(\.registers).map { _ in ids.next(at: now) }
        return try await store.addCustodySignature(signature, extraAssetIDs: extras)
    }

    // MARK: History

    /// The item's chain of custody with the evidence to verify it offline: its creation, each
    /// completed transfer's custody entry with both signed statements, the signers' key
    /// enrolments, every entry with an inclusion proof against a freshly signed checkpoint.
    public func history(assetID: String, by actor: Member) async throws -> CustodyHistory {
        let asset = try await asset(id: assetID, by: actor)
        let organizationID = actor.organizationID
        let entries = try await store.auditEntries(organizationID: organizationID, targets: ["asset:\(asset.id)"]).map(\.entry)
        guard let created = entries.first(where: { $0.action == "asset.create" }) else {
            throw StoreError.damaged("the audit log has no creation entry for asset \(asset.id)")
        }
        var evidence = [created]
        var links: [CustodyHistory.Link] = []
        var keyIDs: Set<String> = []
        // The transfers that moved it, oldest first, however many the organization has (the
        // items table indexes transfers by asset): each custody entry names its transfer in its
        // digest, so the transfers are matched by recomputing it.
        let transfers = try await store.completedCustodyTransfers(assetID: asset.id, organizationID: organizationID)
        let custodyEntries = entries.filter { $0.action == "asset.custody" }
        for transfer in transfers.sorted(by: { ($0.completedAt ?? $0.createdAt) < ($1.completedAt ?? $1.createdAt) }) {
            guard let item = transfer.items.first(where: { $0.asset == asset.id }), let outcome = item.outcome else { continue }
            let digest = try transfer.recordDigest
            let signatures = try await store.custodySignatures(transferID: transfer.id, organizationID: organizationID).filter { $0.recordDigest == digest }
            guard let giver = signatures.last(where: { $0.role == .giver }), let receiver = signatures.last(where: { $0.role == .receiver }) else {
                throw StoreError.damaged("completed custody transfer \(transfer.id) lacks a party's signature")
            }
            let to = outcome == .missing ? transfer.fromID : transfer.toID
            let envelopes = [try CustodyAudit.envelopeDigest(giver.envelope), try CustodyAudit.envelopeDigest(receiver.envelope)]
            let expected = try CustodyAudit.entryDigest(
                asset: asset.id, from: transfer.fromID, to: to, transfer: transfer.id, outcome: outcome, recordDigest: digest, envelopes: envelopes)
            // An entry whose digest matches nothing (an altered row) is still shown, against the
            // transfer it should record: the verifier then says it differs.
            guard let entry = custodyEntries.first(where: { $0.digest == expected }) ?? custodyEntries.first(where: { !links.map(\.entry).contains($0.seq) }) else {
                throw StoreError.damaged("the audit log has no custody entry for asset \(asset.id) in transfer \(transfer.id)")
            }
            let signEntries = try await store.auditEntries(organizationID: organizationID, targets: ["custody:\(transfer.id)"]).map(\.entry)
            var statements: [CustodyHistory.Statement] = []
            for (signature, envelopeDigest) in zip([giver, receiver], envelopes) {
                guard let signed = signEntries.first(where: { $0.action == "custody.sign" && $0.digest == envelopeDigest }) else {
                    throw StoreError.damaged("the audit log has no entry for the \(signature.role.rawValue)'s signature on transfer \(transfer.id)")
                }
                evidence.append(signed)
                keyIDs.insert(signature.keyID)
                statements.append(.init(role: signature.role, signer: signature.memberID, keyID: signature.keyID, envelope: signature.envelope, entry: signed.seq))
            }
            evidence.append(entry)
            links.append(.init(transfer: transfer.id, from: transfer.fromID, to: to, outcome: outcome, recordDigest: digest, statements: statements, entry: entry.seq))
        }
        var keys: [CompletionCertificate.Key] = []
        let keyEntries = try await store.auditEntries(organizationID: organizationID, targets: keyIDs.sorted().map { "key:\($0)" }).map(\.entry)
        for keyID in keyIDs.sorted() {
            guard let key = try await store.signingKey(id: keyID, organizationID: organizationID),
                let entry = keyEntries.first(where: { $0.action == "key.enrol" && $0.target == "key:\(keyID)" })
            else { throw StoreError.damaged("the audit log has no enrolment entry for key \(keyID)") }
            evidence.append(entry)
            // The log, not the table, says whether and when the key was revoked: a revocation
            // logged but cleared from the row still shows (and fails verification if it came
            // before a signature); one in the row but never logged shows with no entry (and fails too).
            let revocation = keyEntries.first(where: { $0.action == "key.revoke" && $0.target == "key:\(keyID)" })
            if let revocation { evidence.append(revocation) }
            keys.append(
                .init(
                    id: key.id, member: key.memberID, publicKey: key.publicKey, origin: key.origin, enrolledAt: RFC3339.format(key.enrolledAt),
                    revokedAt: revocation.map { RFC3339.format(Date(millis: $0.time)) } ?? key.revokedAt.map(RFC3339.format), entry: entry.seq,
                    revokedEntry: revocation?.seq))
        }
        evidence.sort { $0.seq < $1.seq }
        let checkpoint = try await audit.checkpoint(organizationID: organizationID)
        var proofs: [[String]] = []
        for entry in evidence {
            proofs.append(try await audit.inclusionProof(organizationID: organizationID, index: entry.seq, size: checkpoint.size).map { Data($0).base64EncodedString() })
        }
        let signer = try audit.keys.signer(organizationID: organizationID)
        return CustodyHistory(
            issuedAt: RFC3339.format(clock.now()),
            asset: .init(
                id: asset.id, organization: organizationID, kind: asset.kind, name: asset.name, serial: asset.serial ?? "", custodian: asset.custodianID,
                condition: asset.condition),
            createdCustodian: try await firstCustodian(asset, transfers: transfers), createdEntry: created.seq, links: links, keys: keys,
            audit: .init(origin: signer.origin, verifierKey: signer.verifier.keyString, checkpoint: checkpoint.note, entries: evidence, proofs: proofs))
    }

    /// Who held the item first: the giver of its earliest completed transfer, else (it never
    /// moved) whoever holds it now. `verify` checks it against the `asset.create` entry's digest.
    func firstCustodian(_ asset: PhysicalAsset, transfers: [CustodyTransfer]) async throws -> String {
        transfers.min(by: { ($0.completedAt ?? $0.createdAt) < ($1.completedAt ?? $1.createdAt) })?.fromID ?? asset.custodianID
    }
}
