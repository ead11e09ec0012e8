import Foundation
import HandoverCore

/// The certificate of completion: who handed over what to whom, how each signed, when each
/// step happened, and the audit entries that record it, each with an inclusion proof against
/// a signed checkpoint. `verify` checks all of it offline, with only the log's public key.
public struct CompletionCertificate: Codable, Sendable {
    public static let formatName = "handover.certificate/v1"

    public struct Subject: Codable, Sendable {
        public var id: String
        public var organization: String
        public var accountID: String
        public var accountName: String
        public var templateKey: String
        public var templateVersion: Int
        public var templateName: String
        public var requiredSignoffs: [SignoffRole]
        /// Hex SHA-256 of the RFC 8785 form of the content every sign-off signed.
        public var contentDigest: String
        public var state: HandoverState

        public init(id: String, organization: String, accountID: String, accountName: String, templateKey: String, templateVersion: Int,
                    templateName: String, requiredSignoffs: [SignoffRole], contentDigest: String, state: HandoverState) {
            self.id = id
            self.organization = organization
            self.accountID = accountID
            self.accountName = accountName
            self.templateKey = templateKey
            self.templateVersion = templateVersion
            self.templateName = templateName
            self.requiredSignoffs = requiredSignoffs
            self.contentDigest = contentDigest
            self.state = state
        }
    }

    public struct Party: Codable, Sendable {
        public var role: SignoffRole
        public var member: String
        public var name: String
        public var email: String

        public init(role: SignoffRole, member: String, name: String, email: String) {
            self.role = role
            self.member = member
            self.name = name
            self.email = email
        }
    }

    public struct Key: Codable, Sendable {
        public var id: String
        public var member: String
        /// Base64 raw Ed25519 public key.
        public var publicKey: String
        /// "cli" (a key file on the member's machine) or "browser" (the browser's key store).
        public var origin: String
        public var enrolledAt: String
        public var revokedAt: String?
        /// The audit entry that recorded the enrolment.
        public var entry: Int

        public init(id: String, member: String, publicKey: String, origin: String, enrolledAt: String, revokedAt: String?, entry: Int) {
            self.id = id
            self.member = member
            self.publicKey = publicKey
            self.origin = origin
            self.enrolledAt = enrolledAt
            self.revokedAt = revokedAt
            self.entry = entry
        }
    }

    public struct Signature: Codable, Sendable {
        public var role: SignoffRole
        public var signer: String
        public var keyID: String
        /// How the signer was signed in to Handover when they sent it.
        public var authentication: String
        public var envelope: DSSEEnvelope
        /// The audit entry that recorded it.
        public var entry: Int

        public init(role: SignoffRole, signer: String, keyID: String, authentication: String, envelope: DSSEEnvelope, entry: Int) {
            self.role = role
            self.signer = signer
            self.keyID = keyID
            self.authentication = authentication
            self.envelope = envelope
            self.entry = entry
        }
    }

    /// One step in the handover's life, as an audit entry recorded it.
    public struct Milestone: Codable, Sendable {
        /// created, sent, viewed, returned, revised, acknowledged, signed, completed, verified, closed.
        public var event: String
        public var actor: String
        public var at: String
        public var entry: Int

        public init(event: String, actor: String, at: String, entry: Int) {
            self.event = event
            self.actor = actor
            self.at = at
            self.entry = entry
        }
    }

    public struct Evidence: Codable, Sendable {
        public var origin: String
        /// The log's verifier key, "name+id+base64": pin it with `verify --key`.
        public var verifierKey: String
        /// The signed checkpoint (C2SP signed note) every proof is against.
        public var checkpoint: String
        public var entries: [AuditEntry]
        /// For each entry, its inclusion proof (base64 hashes) at the checkpoint's size.
        public var proofs: [[String]]

        public init(origin: String, verifierKey: String, checkpoint: String, entries: [AuditEntry], proofs: [[String]]) {
            self.origin = origin
            self.verifierKey = verifierKey
            self.checkpoint = checkpoint
            self.entries = entries
            self.proofs = proofs
        }
    }

    public var format: String
    public var issuedAt: String
    public var handover: Subject
    public var parties: [Party]
    public var keys: [Key]
    public var signoffs: [Signature]
    public var timeline: [Milestone]
    public var audit: Evidence

    public init(issuedAt: String, handover: Subject, parties: [Party], keys: [Key], signoffs: [Signature], timeline: [Milestone], audit: Evidence) {
        format = Self.formatName
        self.issuedAt = issuedAt
        self.handover = handover
        self.parties = parties
        self.keys = keys
        self.signoffs = signoffs
        self.timeline = timeline
        self.audit = audit
    }

    /// The lifecycle action each milestone must be recorded as.
    public static let milestoneActions: [String: String] = [
        "created": "handover.create", "sent": "handover.submit", "viewed": "handover.read", "returned": "handover.return",
        "revised": "handover.revise", "acknowledged": "handover.acknowledge", "signed": "handover.signoff",
        "completed": "handover.complete", "verified": "handover.verify", "closed": "handover.close",
    ]
}

extension SigningKey {
    /// What a key's enrolment entry commits to: whose key, which key, and where it is kept.
    public var auditDigest: String {
        get throws { try CanonicalJSON.digest(["id": id, "member": memberID, "publicKey": publicKey, "origin": origin]) }
    }
}

/// What `CompletionCertificate.verify` found.
public struct CertificateVerification: Sendable, Equatable {
    public var keyPinned = false
    public var checkpointSize = 0
    public var entriesProved = 0
    public var signoffsVerified = 0
    public var failure: String?

    public var ok: Bool { failure == nil }
}

extension CompletionCertificate {
    /// Checks the certificate with no server. With `pinnedKey`, the log key must be that key.
    public func verify(pinnedKey: NoteVerifier? = nil) -> CertificateVerification {
        var result = CertificateVerification()
        func fail(_ message: String) -> CertificateVerification {
            result.failure = message
            return result
        }
        guard format == Self.formatName else { return fail("not a Handover certificate of completion (format \"\(format)\")") }

        // 1. The checkpoint is signed by the organization's log key.
        let logKey: NoteVerifier
        do { logKey = try NoteVerifier(keyString: audit.verifierKey) } catch { return fail("the log key is unreadable: \(error)") }
        if let pinnedKey {
            guard pinnedKey == logKey else { return fail("the certificate's log key is \(logKey.keyString), not the key you trust (\(pinnedKey.keyString))") }
            result.keyPinned = true
        }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(signedNote: audit.checkpoint, verifier: logKey, origin: audit.origin) } catch {
            return fail("the checkpoint: \(error)")
        }
        result.checkpointSize = checkpoint.size

        // 2. Every audit entry is in the signed tree.
        guard audit.proofs.count == audit.entries.count else { return fail("\(audit.entries.count) audit entries but \(audit.proofs.count) proofs") }
        var entries: [Int: AuditEntry] = [:]
        for (entry, proof) in zip(audit.entries, audit.proofs) {
            let hashes = proof.compactMap { Data(base64Encoded: $0).map(Array.init) }
            do {
                guard hashes.count == proof.count else { throw ProofError("a hash is not base64") }
                try MerkleProof.verifyInclusion(index: entry.seq, size: checkpoint.size, leafHash: entry.leafHash, proof: hashes, root: checkpoint.rootHash)
            } catch {
                return fail("audit entry \(entry.seq) is not in the signed log as shown: \(error)")
            }
            entries[entry.seq] = entry
            result.entriesProved += 1
        }
        let target = "handover:\(handover.id)"
        func entry(_ seq: Int, _ action: String, target expected: String, actor: String? = nil) throws(TrustError) -> AuditEntry {
            guard let found = entries[seq] else { throw .invalid("audit entry \(seq) is referred to but not included") }
            guard found.action == action, found.target == expected else {
                throw .invalid("audit entry \(seq) records \(found.action) of \(found.target), not \(action) of \(expected)")
            }
            if let actor, found.actor != actor { throw .invalid("audit entry \(seq) was made by \(found.actor), not \(actor)") }
            return found
        }

        do {
            // 3. Each key's enrolment is in the log, as the key is shown.
            var keysByID: [String: Key] = [:]
            for key in keys {
                let record = SigningKey(id: key.id, organizationID: "", memberID: key.member, publicKey: key.publicKey, origin: key.origin, enrolledAt: Date())
                guard let raw = Data(base64Encoded: key.publicKey), SigningKeyID.make(raw) == key.id else {
                    throw TrustError.invalid("key \(key.id) does not match its public key")
                }
                let enrolment = try entry(key.entry, "key.enrol", target: "key:\(key.id)", actor: key.member)
                guard enrolment.digest == (try? record.auditDigest) else { throw TrustError.invalid("key \(key.id) differs from what its enrolment (entry \(key.entry)) recorded") }
                keysByID[key.id] = key
            }

            let completion = timeline.first { $0.event == "completed" }.flatMap { entries[$0.entry] }
            // 4. Each sign-off: a valid signature by the signer's enrolled key over this content,
            //    in the right role, with the fixed statement, recorded in the log as sent.
            let partyByRole = Dictionary(parties.map { ($0.role, $0.member) }, uniquingKeysWith: { first, _ in first })
            var signedRoles: Set<SignoffRole> = []
            for signoff in signoffs {
                let who = "the \(signoff.role.rawValue)'s sign-off"
                guard let key = keysByID[signoff.keyID], let raw = Data(base64Encoded: key.publicKey) else { throw TrustError.invalid("\(who) uses key \(signoff.keyID), which the certificate does not include") }
                guard key.member == signoff.signer else { throw TrustError.invalid("\(who) uses a key enrolled by \(key.member), not by the signer \(signoff.signer)") }
                let payload = try SignoffPayload.parse(try signoff.envelope.verifiedPayload(type: SignoffPayload.type, publicKey: raw))
                guard payload.handover == handover.id else { throw TrustError.invalid("\(who) is for handover \(payload.handover)") }
                guard payload.contentDigest == handover.contentDigest else { throw TrustError.invalid("\(who) signed content \(payload.contentDigest), not the completed content \(handover.contentDigest)") }
                guard payload.role == signoff.role, payload.signer == signoff.signer else { throw TrustError.invalid("\(who) signed as \(payload.role.rawValue) by \(payload.signer)") }
                guard payload.statement == SignoffRules.statement(for: payload.role) else { throw TrustError.invalid("\(who) signed a different statement") }
                if signoff.role != .manager, partyByRole[signoff.role] != signoff.signer { throw TrustError.invalid("\(who) was signed by \(signoff.signer), who is not the \(signoff.role.rawValue)") }
                let recorded = try entry(signoff.entry, "handover.signoff", target: target, actor: signoff.signer)
                guard recorded.digest == Hex.sha256(try CanonicalJSON.encode(signoff.envelope)) else {
                    throw TrustError.invalid("\(who) differs from the envelope its audit entry \(signoff.entry) recorded")
                }
                if let revoked = key.revokedAt.flatMap(RFC3339.parse), revoked.millis <= (completion?.time ?? recorded.time) {
                    throw TrustError.invalid("\(who) uses key \(key.id), revoked at \(key.revokedAt ?? "") before the handover completed")
                }
                signedRoles.insert(signoff.role)
                result.signoffsVerified += 1
            }
            let missing = SignoffRules.missing(required: handover.requiredSignoffs, signed: signedRoles)
            guard missing.isEmpty else { throw TrustError.invalid("no valid sign-off from the \(missing.map(\.rawValue).joined(separator: " and "))") }

            // 5. The timeline is what the log recorded, and completion took exactly this content.
            for milestone in timeline {
                guard let action = Self.milestoneActions[milestone.event] else { throw TrustError.invalid("unknown milestone \"\(milestone.event)\"") }
                let recorded = try entry(milestone.entry, action, target: target, actor: milestone.actor)
                guard RFC3339.format(Date(millis: recorded.time)) == milestone.at else {
                    throw TrustError.invalid("\"\(milestone.event)\" is dated \(milestone.at) but its audit entry \(milestone.entry) says \(RFC3339.format(Date(millis: recorded.time)))")
                }
            }
            guard let completed = timeline.first(where: { $0.event == "completed" }) else { throw TrustError.invalid("the timeline has no completion") }
            guard entries[completed.entry]?.digest == handover.contentDigest else {
                throw TrustError.invalid("the completion (entry \(completed.entry)) recorded different content than the certificate's digest")
            }
        } catch let error as TrustError {
            return fail(error.description)
        } catch {
            return fail("\(error)")
        }
        return result
    }
}
