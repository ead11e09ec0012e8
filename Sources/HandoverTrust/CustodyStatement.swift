import Foundation
import HandoverCore

extension CustodyTransfer {
    /// Hex SHA-256 of the RFC 8785 form of the difference log (`record`).
    public var recordDigest: String {
        get throws { try CanonicalJSON.digest(record) }
    }
}

extension CustodyStatement {
    /// The statement for signing `transfer`'s record as it is now.
    public init(signing transfer: CustodyTransfer, signer: String, role: CustodyRole, at time: Date) throws {
        let record = transfer.record
        self.init(
            transfer: transfer.id, from: transfer.fromID, to: transfer.toID, items: record.items, extras: record.extras,
            recordDigest: try CanonicalJSON.digest(record), signer: signer, role: role, statement: CustodyRules.statement(for: role),
            time: RFC3339.format(time))
    }

    public func canonicalBytes() throws -> [UInt8] { try CanonicalJSON.encode(self) }

    /// Reads a statement, accepting only its canonical form.
    public static func parse(_ bytes: [UInt8]) throws(TrustError) -> CustodyStatement {
        try CanonicalPayload.parse(bytes, as: CustodyStatement.self)
    }

    /// The record the statement's items and extras spell out: its digest must be `recordDigest`.
    public var record: CustodyRecord { CustodyRecord(transfer: transfer, from: from, to: to, items: items, extras: extras) }

    public var date: Date? { RFC3339.parse(time) }
}

/// What the audit log's custody entries commit to.
public enum CustodyAudit {
    /// The digest of an `asset.custody` entry: the item, from whom to whom (the same member for a
    /// missing item, which stays with its last custodian), the transfer, the outcome, the record
    /// both signed, and the SHA-256 of each signed envelope (giver's, then receiver's), which are
    /// the digests of the transfer's `custody.sign` entries.
    public static func entryDigest(asset: String, from: String, to: String, transfer: String, outcome: CustodyOutcome, recordDigest: String, envelopes: [String])
        throws -> String
    {
        try CanonicalJSON.digest(
            JSONValue.object([
                "asset": .string(asset), "from": .string(from), "to": .string(to), "transfer": .string(transfer), "outcome": .string(outcome.rawValue),
                "statement": .string(recordDigest), "envelopes": .array(envelopes.map(JSONValue.string)),
            ]))
    }

    /// The digest of a `custody.sign` entry: SHA-256 of the envelope's canonical JSON.
    public static func envelopeDigest(_ envelope: DSSEEnvelope) throws -> String { Hex.sha256(try CanonicalJSON.encode(envelope)) }

    /// The digest of an `asset.create` entry.
    public static func creationDigest(asset: String, custodian: String) throws -> String {
        try CanonicalJSON.digest(["asset": asset, "custodian": custodian])
    }
}

/// What `CustodyHistory.verify` found.
public struct CustodyVerification: Sendable, Equatable {
    public var keyPinned = false
    public var checkpointSize = 0
    public var entriesProved = 0
    public var linksVerified = 0
    public var signaturesVerified = 0
    public var failure: String?

    public var ok: Bool { failure == nil }
}

extension CustodyHistory {
    /// Checks the chain with no server: the checkpoint's signature, every entry's inclusion
    /// proof, each link's entry against its signed statements, each signing key enrolled (in the
    /// log) before it signed and not revoked before its transfer completed, and that each link
    /// starts with whoever held the item after the one before. With `pinnedKey`, the log key must
    /// be that key. What this cannot prove (a revocation the history leaves out, a key the server
    /// enrolled in a member's name) is in Docs/Custody.md.
    public func verify(pinnedKey: NoteVerifier? = nil) -> CustodyVerification {
        var result = CustodyVerification()
        func fail(_ message: String) -> CustodyVerification {
            result.failure = message
            return result
        }
        guard format == Self.formatName else { return fail("not a Handover custody history (format \"\(format)\")") }
        let proved: CompletionCertificate.Evidence.Proved
        switch audit.prove(pinnedKey: pinnedKey, what: "history") {
        case .success(let value): proved = value
        case .failure(let error): return fail(error.message)
        }
        let (checkpoint, entries) = (proved.checkpoint, proved.entries)
        (result.keyPinned, result.checkpointSize, result.entriesProved) = (pinnedKey != nil, checkpoint.size, entries.count)
        func entry(_ seq: Int, _ action: String, target: String, actor: String? = nil) throws(TrustError) -> AuditEntry {
            guard let found = entries[seq] else { throw .invalid("audit entry \(seq) is referred to but not included") }
            guard found.action == action, found.target == target else {
                throw .invalid("audit entry \(seq) records \(found.action) of \(found.target), not \(action) of \(target)")
            }
            if let actor, found.actor != actor { throw .invalid("audit entry \(seq) was made by \(found.actor), not \(actor)") }
            return found
        }
        let assetTarget = "asset:\(asset.id)"
        do {
            var keysByID: [String: CompletionCertificate.Key] = [:]
            for key in keys {
                let record = SigningKey(id: key.id, organizationID: "", memberID: key.member, publicKey: key.publicKey, origin: key.origin, enrolledAt: Date())
                guard let raw = Data(base64Encoded: key.publicKey), SigningKeyID.make(raw) == key.id else {
                    throw TrustError.invalid("key \(key.id) does not match its public key")
                }
                let enrolment = try entry(key.entry, "key.enrol", target: "key:\(key.id)", actor: key.member)
                guard enrolment.digest == (try? record.auditDigest) else { throw TrustError.invalid("key \(key.id) differs from what its enrolment recorded") }
                guard key.enrolledAt == RFC3339.format(Date(millis: enrolment.time)) else {
                    throw TrustError.invalid("key \(key.id) is shown enrolled at \(key.enrolledAt), but its enrolment (entry \(key.entry)) is dated otherwise")
                }
                // A revocation counts by its entry in the log: a date the document states is
                // only believed with the entry that recorded it (any actor: the holder or an admin).
                switch (key.revokedAt, key.revokedEntry) {
                case (nil, nil): break
                case (let at?, let seq?):
                    let revocation = try entry(seq, "key.revoke", target: "key:\(key.id)")
                    guard at == RFC3339.format(Date(millis: revocation.time)) else {
                        throw TrustError.invalid("key \(key.id) is shown revoked at \(at), but its revocation (entry \(seq)) is dated otherwise")
                    }
                case (let at?, nil): throw TrustError.invalid("key \(key.id) is shown revoked at \(at), but the history does not include the entry that revoked it")
                case (nil, let seq?): throw TrustError.invalid("key \(key.id) is shown not revoked, but names a revocation (entry \(seq))")
                }
                keysByID[key.id] = key
            }
            let created = try entry(createdEntry, "asset.create", target: assetTarget)
            guard created.digest == (try CustodyAudit.creationDigest(asset: asset.id, custodian: createdCustodian)) else {
                throw TrustError.invalid("the item's first custodian is not the one its creation (entry \(createdEntry)) recorded")
            }
            var holder = createdCustodian
            var previousEntry = createdEntry
            for link in links {
                let what = "the custody change in transfer \(link.transfer) (entry \(link.entry))"
                guard link.entry > previousEntry else { throw TrustError.invalid("\(what) is out of order") }
                previousEntry = link.entry
                guard link.from == holder else { throw TrustError.invalid("\(what) starts with \(link.from), but the item was with \(holder)") }
                if link.outcome == .missing, link.to != link.from { throw TrustError.invalid("\(what) moves a missing item") }
                var envelopeDigests: [CustodyRole: String] = [:]
                for statement in link.statements {
                    let who = "the \(statement.role.rawValue)'s statement in transfer \(link.transfer)"
                    guard let key = keysByID[statement.keyID], let raw = Data(base64Encoded: key.publicKey) else {
                        throw TrustError.invalid("\(who) uses key \(statement.keyID), which the history does not include")
                    }
                    guard key.member == statement.signer else { throw TrustError.invalid("\(who) uses a key enrolled by \(key.member), not by \(statement.signer)") }
                    let payload = try CustodyStatement.parse(try statement.envelope.verifiedPayload(type: CustodyStatement.type, publicKey: raw))
                    guard payload.transfer == link.transfer, payload.role == statement.role, payload.signer == statement.signer else {
                        throw TrustError.invalid("\(who) signed transfer \(payload.transfer) as \(payload.role.rawValue) by \(payload.signer)")
                    }
                    guard payload.signer == (statement.role == .giver ? payload.from : payload.to) else {
                        throw TrustError.invalid("\(who) was signed by \(payload.signer), who is not its \(statement.role.rawValue)")
                    }
                    guard payload.statement == CustodyRules.statement(for: payload.role) else { throw TrustError.invalid("\(who) signed a different statement") }
                    guard payload.recordDigest == link.recordDigest, (try CanonicalJSON.digest(payload.record)) == link.recordDigest else {
                        throw TrustError.invalid("\(who) signed a record other than \(link.recordDigest)")
                    }
                    guard payload.from == link.from, link.outcome == .missing || payload.to == link.to else {
                        throw TrustError.invalid("\(who) is from \(payload.from) to \(payload.to), not as the custody entry says")
                    }
                    guard payload.items.first(where: { $0.asset == asset.id })?.outcome == link.outcome else {
                        throw TrustError.invalid("\(who) does not record the item as \(link.outcome.rawValue)")
                    }
                    let envelopeDigest = try CustodyAudit.envelopeDigest(statement.envelope)
                    let recorded = try entry(statement.entry, "custody.sign", target: "custody:\(link.transfer)", actor: statement.signer)
                    guard recorded.digest == envelopeDigest else { throw TrustError.invalid("\(who) differs from the envelope its entry \(statement.entry) recorded") }
                    // The key must be in the log before it signs, and not revoked before the
                    // transfer completed: the server stops counting a signature whose key is
                    // revoked before the second one arrives, so an honest log never shows that.
                    guard key.entry < statement.entry else {
                        throw TrustError.invalid("\(who) uses key \(key.id), whose enrolment (entry \(key.entry)) comes after the signature (entry \(statement.entry))")
                    }
                    if let revoked = key.revokedEntry, revoked < link.entry {
                        throw TrustError.invalid("\(who) uses key \(key.id), revoked (entry \(revoked)) before the transfer completed (entry \(link.entry))")
                    }
                    envelopeDigests[statement.role] = envelopeDigest
                    result.signaturesVerified += 1
                }
                guard let giver = envelopeDigests[.giver], let receiver = envelopeDigests[.receiver] else {
                    throw TrustError.invalid("transfer \(link.transfer) lacks the \(envelopeDigests[.giver] == nil ? "giver" : "receiver")'s signed statement")
                }
                let moved = try entry(link.entry, "asset.custody", target: assetTarget)
                let expected = try CustodyAudit.entryDigest(
                    asset: asset.id, from: link.from, to: link.to, transfer: link.transfer, outcome: link.outcome, recordDigest: link.recordDigest,
                    envelopes: [giver, receiver])
                guard moved.digest == expected else { throw TrustError.invalid("\(what) differs from what its audit entry recorded") }
                if link.outcome != .missing { holder = link.to }
                result.linksVerified += 1
            }
            guard holder == asset.custodian else { throw TrustError.invalid("the chain ends with \(holder), but the item is shown with \(asset.custodian)") }
        } catch let error as TrustError {
            return fail(error.description)
        } catch {
            return fail("\(error)")
        }
        return result
    }
}
