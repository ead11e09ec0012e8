import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust

extension AuditService {
    /// The certificate of completion of a handover the caller may see: its parties, their keys and
    /// sign-offs, its timeline, and every audit entry they rest on with an inclusion proof against
    /// a freshly signed checkpoint.
    public func certificate(handoverID: String, by actor: Member, handovers: HandoverService) async throws -> CompletionCertificate {
        let (handover, parties) = try await handovers.handover(id: handoverID, by: actor)
        guard [.completed, .verified, .closed].contains(handover.state) else {
            throw HandoverError.invalidTransition(from: handover.state, event: "have a certificate of completion yet")
        }
        let organizationID = actor.organizationID
        let template = try await handovers.templates.template(key: handover.templateKey, version: handover.templateVersion, organizationID: organizationID)
        let account = try await handovers.accounts.account(id: handover.accountID, by: actor)
        let digest = try CanonicalJSON.digest(handover.content)
        // The sign-offs completion counted, as they counted then.
        let signoffs = try await handovers.countingSignoffs(handover, at: handover.completedAt ?? .distantFuture)
        var keys: [SigningKey] = []
        for keyID in Set(signoffs.map(\.keyID)).sorted() {
            if let key = try await store.signingKey(id: keyID, organizationID: organizationID) { keys.append(key) }
        }

        // Entries first, then the checkpoint: every entry read is then inside the signed tree.
        let target = "handover:\(handover.id)"
        let found = try await store.auditEntries(organizationID: organizationID, targets: [target] + keys.map { "key:\($0.id)" }).map(\.entry)
        var evidence: [AuditEntry] = [], timeline: [CompletionCertificate.Milestone] = []
        let eventFor = Dictionary(CompletionCertificate.milestoneActions.map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var viewed = false
        for entry in found where entry.target == target {
            guard var event = eventFor[entry.action], event != "signed" else { continue }
            if entry.action == "handover.read" {
                // Only the recipient's first look: "viewed". Later reads stay in the full log.
                guard !viewed, entry.actor == handover.recipientID else { continue }
                viewed = true
                event = "viewed"
            }
            evidence.append(entry)
            timeline.append(.init(event: event, actor: entry.actor, at: RFC3339.format(millis: entry.time), entry: entry.seq))
        }
        var signatures: [CompletionCertificate.Signature] = []
        for signoff in signoffs {
            let envelopeDigest = Hex.sha256(try CanonicalJSON.encode(signoff.envelope))
            guard let entry = found.first(where: { $0.action == "handover.signoff" && $0.target == target && $0.digest == envelopeDigest }) else {
                throw StoreError.damaged("the audit log has no entry for the \(signoff.role.rawValue)'s sign-off \(signoff.id)")
            }
            evidence.append(entry)
            timeline.append(.init(event: "signed", actor: entry.actor, at: RFC3339.format(millis: entry.time), entry: entry.seq))
            signatures.append(
                .init(
                    role: signoff.role, signer: signoff.memberID, keyID: signoff.keyID, authentication: signoff.authentication,
                    envelope: signoff.envelope, entry: entry.seq))
        }
        var certificateKeys: [CompletionCertificate.Key] = []
        for key in keys {
            guard let entry = found.first(where: { $0.action == "key.enrol" && $0.target == "key:\(key.id)" }) else {
                throw StoreError.damaged("the audit log has no enrolment entry for key \(key.id)")
            }
            evidence.append(entry)
            certificateKeys.append(
                .init(
                    id: key.id, member: key.memberID, publicKey: key.publicKey, origin: key.origin,
                    enrolledAt: RFC3339.format(key.enrolledAt), revokedAt: key.revokedAt.map(RFC3339.format), entry: entry.seq))
        }
        evidence.sort { $0.seq < $1.seq }
        timeline.sort { $0.entry < $1.entry }

        let checkpoint = try await checkpoint(organizationID: organizationID)
        var proofs: [[String]] = []
        for entry in evidence {
            proofs.append(try await inclusionProof(organizationID: organizationID, index: entry.seq, size: checkpoint.size).map { Data($0).base64EncodedString() })
        }
        var members = [
            CompletionCertificate.Party(role: .transferor, member: parties.transferor.id, name: parties.transferor.name, email: parties.transferor.email),
            CompletionCertificate.Party(role: .recipient, member: parties.recipient.id, name: parties.recipient.name, email: parties.recipient.email),
        ]
        for signoff in signoffs where signoff.role == .manager {
            let manager = try await handovers.member(signoff.memberID, organizationID: organizationID)
            members.append(.init(role: .manager, member: manager.id, name: manager.name, email: manager.email))
        }
        let signer = try self.keys.signer(organizationID: organizationID)
        return CompletionCertificate(
            issuedAt: RFC3339.format(clock.now()),
            handover: .init(
                id: handover.id, organization: organizationID, accountID: account.id, accountName: account.name,
                templateKey: template.key, templateVersion: template.version, templateName: template.name,
                requiredSignoffs: template.requiredSignoffs, contentDigest: digest, state: handover.state),
            parties: members, keys: certificateKeys, signoffs: signatures, timeline: timeline,
            audit: .init(origin: signer.origin, verifierKey: signer.verifier.keyString, checkpoint: checkpoint.note, entries: evidence, proofs: proofs))
    }
}
