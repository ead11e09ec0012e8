import Foundation
import HandoverCore

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

        // 1–2. The checkpoint is signed by the organization's log key; every entry is in its tree.
        let proved: CompletionCertificate.Evidence.Proved
        switch audit.prove(pinnedKey: pinnedKey, what: "certificate") {
        case .success(let value): proved = value
        case .failure(let error): return fail(error.message)
        }
        let (checkpoint, entries) = (proved.checkpoint, proved.entries)
        (result.keyPinned, result.checkpointSize, result.entriesProved) = (pinnedKey != nil, checkpoint.size, entries.count)
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
                guard enrolment.digest == (try? record.auditDigest) else {
                    throw TrustError.invalid("key \(key.id) differs from what its enrolment (entry \(key.entry)) recorded")
                }
                keysByID[key.id] = key
            }

            let completion = timeline.first { $0.event == "completed" }.flatMap { entries[$0.entry] }
            // 4. Each sign-off: a valid signature by the signer's enrolled key over this content,
            //    in the right role, with the fixed statement, recorded in the log as sent.
            let partyByRole = Dictionary(parties.map { ($0.role, $0.member) }, uniquingKeysWith: { first, _ in first })
            var signedRoles: Set<SignoffRole> = []
            for signoff in signoffs {
                let who = "the \(signoff.role.rawValue)'s sign-off"
                guard let key = keysByID[signoff.keyID], let raw = Data(base64Encoded: key.publicKey) else {
                    throw TrustError.invalid("\(who) uses key \(signoff.keyID), which the certificate does not include")
                }
                guard key.member == signoff.signer else { throw TrustError.invalid("\(who) uses a key enrolled by \(key.member), not by the signer \(signoff.signer)") }
                let payload = try SignoffPayload.parse(try signoff.envelope.verifiedPayload(type: SignoffPayload.type, publicKey: raw))
                guard payload.handover == handover.id else { throw TrustError.invalid("\(who) is for handover \(payload.handover)") }
                guard payload.contentDigest == handover.contentDigest else {
                    throw TrustError.invalid("\(who) signed content \(payload.contentDigest), not the completed content \(handover.contentDigest)")
                }
                guard payload.role == signoff.role, payload.signer == signoff.signer else {
                    throw TrustError.invalid("\(who) signed as \(payload.role.rawValue) by \(payload.signer)")
                }
                guard payload.statement == SignoffRules.statement(for: payload.role) else { throw TrustError.invalid("\(who) signed a different statement") }
                if signoff.role != .manager, partyByRole[signoff.role] != signoff.signer {
                    throw TrustError.invalid("\(who) was signed by \(signoff.signer), who is not the \(signoff.role.rawValue)")
                }
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
                    throw TrustError.invalid(
                        "\"\(milestone.event)\" is dated \(milestone.at) but its audit entry \(milestone.entry) says \(RFC3339.format(Date(millis: recorded.time)))")
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

extension CompletionCertificate.Evidence {
    /// Audit entries proved against a signed checkpoint, by sequence number.
    public struct Proved: Sendable {
        public var checkpoint: Checkpoint
        public var entries: [Int: AuditEntry]
    }

    public struct Failure: Error, Sendable {
        public var message: String
    }

    /// The checks every offline document (a certificate, a custody history) starts with: the log
    /// key (the pinned one, when given), the checkpoint's signature, and each entry's inclusion
    /// proof at the checkpoint's size. `what` names the document in the pinning message.
    public func prove(pinnedKey: NoteVerifier?, what: String) -> Result<Proved, Failure> {
        func fail(_ message: String) -> Result<Proved, Failure> { .failure(Failure(message: message)) }
        let logKey: NoteVerifier
        do { logKey = try NoteVerifier(keyString: verifierKey) } catch { return fail("the log key is unreadable: \(error)") }
        if let pinnedKey, pinnedKey != logKey {
            return fail("the \(what)'s log key is \(logKey.keyString), not the key you trust (\(pinnedKey.keyString))")
        }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(signedNote: self.checkpoint, verifier: logKey, origin: origin) } catch { return fail("the checkpoint: \(error)") }
        guard proofs.count == entries.count else { return fail("\(entries.count) audit entries but \(proofs.count) proofs") }
        var proved: [Int: AuditEntry] = [:]
        for (entry, proof) in zip(entries, proofs) {
            let hashes = proof.compactMap { Data(base64Encoded: $0).map(Array.init) }
            do {
                guard hashes.count == proof.count else { throw ProofError("a hash is not base64") }
                try MerkleProof.verifyInclusion(index: entry.seq, size: checkpoint.size, leafHash: entry.leafHash, proof: hashes, root: checkpoint.rootHash)
            } catch {
                return fail("audit entry \(entry.seq) is not in the signed log as shown: \(error)")
            }
            proved[entry.seq] = entry
        }
        return .success(Proved(checkpoint: checkpoint, entries: proved))
    }
}
