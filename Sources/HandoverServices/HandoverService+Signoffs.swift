import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust

/// Signing keys and sign-offs. The server checks signatures; it never holds a member's private key.
extension HandoverService {
    // MARK: Keys

    /// Enrols the public key in `envelope`, whose signature over its own enrolment payload
    /// proves the caller holds the private key. Enrolling the same key again returns it.
    public func enrolKey(_ envelope: DSSEEnvelope, origin: String, by actor: Member) async throws -> (key: SigningKey, created: Bool) {
        if actor.role == .auditor { throw HandoverError.notPermitted(action: "enrol a signing key", reason: "auditors have read-only access and sign nothing") }
        guard ["cli", "browser"].contains(origin) else { throw HandoverError.invalid([Problem(path: "origin", message: "must be \"cli\" or \"browser\"")]) }
        guard envelope.payloadType == EnrolmentPayload.type, let body = Data(base64Encoded: envelope.payload) else {
            throw HandoverError.invalid([Problem(path: "envelope", message: "must be a DSSE envelope of \(EnrolmentPayload.type)")])
        }
        let payload: EnrolmentPayload, raw: Data
        do throws(TrustError) {
            payload = try EnrolmentPayload.parse(Array(body))
            guard let key = Data(base64Encoded: payload.publicKey), key.count == 32 else { throw .invalid("publicKey must be a base64 32-byte Ed25519 key") }
            raw = key
            _ = try envelope.verifiedPayload(type: EnrolmentPayload.type, publicKey: raw)
        } catch {
            throw HandoverError.invalid([Problem(path: "envelope", message: error.description)])
        }
        var problems: [Problem] = []
        if payload.member != actor.id { problems.append(Problem(path: "envelope.member", message: "must be your member id \(actor.id)")) }
        if payload.organization != actor.organizationID {
            problems.append(Problem(path: "envelope.organization", message: "must be your organization \(actor.organizationID)"))
        }
        let now = clock.now()
        if let problem = Self.clockProblem(payload.time, path: "envelope.time", now: now) { problems.append(problem) }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        let id = SigningKeyID.make(raw)
        if let existing = try await store.signingKey(id: id, organizationID: actor.organizationID), existing.memberID == actor.id, existing.revokedAt == nil {
            return (existing, false)
        }
        let key = SigningKey(id: id, organizationID: actor.organizationID, memberID: actor.id, publicKey: payload.publicKey, origin: origin, enrolledAt: now)
        try await store.enrolKey(key)
        return (key, true)
    }

    /// The caller's keys; an admin or auditor may list anyone's (or everyone's, with no member).
    public func signingKeys(memberID: String?, by actor: Member) async throws -> [SigningKey] {
        let memberID = memberID ?? ((actor.role == .admin || actor.role == .auditor) ? nil : actor.id)
        if memberID != actor.id && actor.role != .admin && actor.role != .auditor {
            throw HandoverError.notPermitted(action: "list another member's keys", reason: "only admins and auditors do")
        }
        return try await store.signingKeys(organizationID: actor.organizationID, memberID: memberID)
    }

    /// Revokes a key: its holder's, or any by an admin. Sign-offs it made on handovers not yet
    /// completed stop counting; completed ones keep their certificate, which shows the revocation.
    public func revokeKey(id: String, by actor: Member) async throws {
        guard let key = try await store.signingKey(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("key \(id)") }
        guard key.memberID == actor.id || actor.role == .admin else {
            throw HandoverError.notPermitted(action: "revoke this key", reason: "only its holder or an admin revokes a key")
        }
        try await store.revokeKey(id: id, organizationID: actor.organizationID, at: clock.now(), by: AuditActor(member: actor.id))
    }

    // MARK: Sign-offs

    /// The exact payload the caller would sign now (for clients that do not build it themselves).
    public func signoffPayload(id: String, role: SignoffRole?, by actor: Member) async throws -> SignoffPayload {
        let (handover, parties) = try await handover(id: id, by: actor)
        let template = try await templates.template(key: handover.templateKey, version: handover.templateVersion, organizationID: actor.organizationID)
        let role = role ?? SignoffRules.role(of: actor, in: handover)
        try SignoffRules.check(role: role, by: actor, handover: handover, parties: parties, template: template)
        return try SignoffPayload(signing: handover, signer: actor.id, role: role, at: clock.now())
    }

    /// Records a sign-off after checking, in order: the key is the caller's and not revoked, the
    /// signature is valid over the payload type and payload, the payload names this handover,
    /// the caller and a role they may sign in now, the role's statement, the handover's current
    /// version and content, and a time near the server's.
    public func signoff(id: String, envelope: DSSEEnvelope, authentication: String, by actor: Member) async throws -> Signoff {
        let (handover, parties) = try await handover(id: id, by: actor)
        func invalid(_ message: String, _ path: String = "envelope") -> HandoverError { .invalid([Problem(path: path, message: message)]) }
        guard envelope.payloadType == SignoffPayload.type else { throw invalid("must be a DSSE envelope of \(SignoffPayload.type)") }
        var key: SigningKey?
        // A sign-off has one signer; a few signatures are tolerated, not an unbounded list of lookups.
        guard envelope.signatures.count <= 4 else { throw invalid("has \(envelope.signatures.count) signatures; a sign-off carries its signer's one") }
        for keyID in envelope.keyIDs {
            if let found = try await store.signingKey(id: keyID, organizationID: actor.organizationID), found.memberID == actor.id { key = found; break }
        }
        guard let key else { throw invalid("is not signed by a key you enrolled; enrol one with 'handover key new' or sign from the web page") }
        if key.revokedAt != nil { throw invalid("is signed by key \(key.id), which is revoked") }
        let payload: SignoffPayload
        do throws(TrustError) {
            payload = try SignoffPayload.parse(try envelope.verifiedPayload(type: SignoffPayload.type, publicKey: Data(base64Encoded: key.publicKey) ?? Data()))
        } catch {
            throw invalid(error.description)
        }
        guard payload.handover == handover.id else { throw invalid("signs handover \(payload.handover), not \(handover.id)", "payload.handover") }
        guard payload.signer == actor.id else { throw invalid("names signer \(payload.signer), not you (\(actor.id))", "payload.signer") }
        let template = try await templates.template(key: handover.templateKey, version: handover.templateVersion, organizationID: actor.organizationID)
        try SignoffRules.check(role: payload.role, by: actor, handover: handover, parties: parties, template: template)
        guard payload.statement == SignoffRules.statement(for: payload.role) else {
            throw invalid("must be exactly: \(SignoffRules.statement(for: payload.role))", "payload.statement")
        }
        let digest = try CanonicalJSON.digest(handover.content)
        guard payload.version == handover.version, payload.contentDigest == digest else {
            throw HandoverError.conflict(
                "The sign-off is over version \(payload.version) of handover \(handover.id), which is now at version \(handover.version)\(payload.contentDigest == digest ? "" : " with different content"). Review it and sign again."
            )
        }
        let now = clock.now()
        if let problem = Self.clockProblem(payload.time, path: "payload.time", now: now) { throw HandoverError.invalid([problem]) }
        let signoff = Signoff(
            id: ids.next(at: now), handoverID: handover.id, organizationID: actor.organizationID, memberID: actor.id,
            role: payload.role, keyID: key.id, handoverVersion: payload.version, contentDigest: digest,
            signedAt: payload.date ?? now, recordedAt: now, authentication: authentication, envelope: envelope)
        try await store.addSignoff(signoff)
        return signoff
    }

    /// Of `signoffs` (all recorded on `handover`, or read now), those that count at `time`: over
    /// the current content, by a key not revoked by then. Completion, the pages and the
    /// certificate all ask this one question.
    public func countingSignoffs(_ handover: Handover, among signoffs: [Signoff]? = nil, at time: Date = .distantFuture) async throws -> [Signoff] {
        let digest = try CanonicalJSON.digest(handover.content)
        let signoffs = if let signoffs { signoffs } else { try await store.signoffs(handoverID: handover.id, organizationID: handover.organizationID) }
        var keys: [String: SigningKey] = [:]
        var counting: [Signoff] = []
        for signoff in signoffs where signoff.contentDigest == digest && signoff.recordedAt <= time {
            if keys[signoff.keyID] == nil { keys[signoff.keyID] = try await store.signingKey(id: signoff.keyID, organizationID: handover.organizationID) }
            guard let key = keys[signoff.keyID] else { continue }
            if let revoked = key.revokedAt, revoked <= time { continue }
            counting.append(signoff)
        }
        return counting
    }

    /// Every sign-off recorded on a handover the caller may see, and what completion still needs.
    public func signoffStatus(id: String, by actor: Member) async throws -> SignoffStatus {
        let (handover, _) = try await handover(id: id, by: actor)
        let template = try await templates.template(key: handover.templateKey, version: handover.templateVersion, organizationID: actor.organizationID)
        return try await signoffStatus(handover, template: template)
    }

    /// For a handover already read with `handover(id:by:)` (or `reading(id:by:)`), which checked visibility.
    public func signoffStatus(_ handover: Handover, template: Template) async throws -> SignoffStatus {
        let all = try await store.signoffs(handoverID: handover.id, organizationID: handover.organizationID)
        let counting = try await countingSignoffs(handover, among: all)
        return SignoffStatus(
            required: template.requiredSignoffs, contentDigest: try CanonicalJSON.digest(handover.content), version: handover.version,
            missing: SignoffRules.missing(required: template.requiredSignoffs, signed: Set(counting.map(\.role))),
            valid: counting.map(\.id), signoffs: all)
    }

    /// A signed time too far from the server's clock: a stale page, a wrong clock, or a replay.
    static func clockProblem(_ time: String, path: String, now: Date) -> Problem? {
        guard let date = RFC3339.parse(time) else {
            return Problem(path: path, message: "must be an RFC 3339 UTC time with milliseconds, like \(RFC3339.format(now))")
        }
        guard abs(date.timeIntervalSince(now)) <= SignoffRules.allowedClockSkew else {
            return Problem(path: path, message: "is \(time) but the server's clock says \(RFC3339.format(now)); sign again now (reload the page, or check your clock)")
        }
        return nil
    }
}
