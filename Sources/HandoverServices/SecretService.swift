import Crypto
import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust

/// Sealed secrets: members' encryption keys, the organization's recovery key, and secrets whose
/// values the server stores only as ciphertext. Clients seal and open (`SecretSeal`); this
/// service decides who may hold which wrapped content key, and audits every open.
public struct SecretService: Sendable {
    let store: any HandoverStore
    let handovers: HandoverService
    let keys: LogKeys
    let clock: WallClock

    // MARK: Encryption keys

    /// The server's public key for possession proofs in the caller's organization (raw, 32 bytes).
    public func possessionKey(by actor: Member) throws -> Data {
        try keys.possessionKey(organizationID: actor.organizationID).publicKey.rawRepresentation
    }

    /// Enrols the caller's X25519 key, given the canonical enrolment payload and the proof that
    /// the caller holds its private half (`KeyPossession`). It replaces their previous key; a
    /// second enrolment of the active key returns it.
    public func enrolEncryptionKey(payload: Data, proof: Data, origin: String, by actor: Member) async throws -> EncryptionKey {
        if actor.role == .auditor { throw HandoverError.notPermitted(action: "enrol an encryption key", reason: "auditors read no secrets") }
        guard ["cli", "browser"].contains(origin) else { throw HandoverError.invalid([Problem(path: "origin", message: "must be \"cli\" or \"browser\"")]) }
        let fields: EnrolmentPayload
        do throws(TrustError) { fields = try EnrolmentPayload.parse(Array(payload)) } catch {
            throw HandoverError.invalid([Problem(path: "payload", message: error.description)])
        }
        guard let raw = Data(base64Encoded: fields.publicKey), raw.count == 32, let publicKey = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: raw) else {
            throw HandoverError.invalid([Problem(path: "payload.publicKey", message: "must be a base64 32-byte X25519 public key")])
        }
        var problems: [Problem] = []
        if fields.member != actor.id { problems.append(Problem(path: "payload.member", message: "must be your member id \(actor.id)")) }
        if fields.organization != actor.organizationID {
            problems.append(Problem(path: "payload.organization", message: "must be your organization \(actor.organizationID)"))
        }
        let now = clock.now()
        if let problem = HandoverService.clockProblem(fields.time, path: "payload.time", now: now) { problems.append(problem) }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        let serverKey = try keys.possessionKey(organizationID: actor.organizationID)
        guard KeyPossession.verify(proof: proof, payload: Array(payload), memberKey: publicKey, serverKey: serverKey) else {
            throw HandoverError.invalid([
                Problem(path: "proof", message: "does not prove possession of the key's private half (made with another key, or for another payload)")
            ])
        }
        let id = SigningKeyID.make(raw)
        let existing = try await store.encryptionKeys(organizationID: actor.organizationID, memberID: actor.id)
        if let active = existing.first(where: { $0.id == id && $0.revokedAt == nil }) { return active }
        if existing.contains(where: { $0.id == id }) {
            throw HandoverError.conflict("This key was enrolled before and replaced; make a new one ('handover key new --encryption').")
        }
        let key = EncryptionKey(id: id, organizationID: actor.organizationID, memberID: actor.id, publicKey: fields.publicKey, origin: origin, enrolledAt: now)
        try await store.enrolEncryptionKey(key)
        return key
    }

    /// Everyone's keys (or one member's), so colleagues can compare fingerprints and wrap to each other.
    public func encryptionKeys(memberID: String?, by actor: Member) async throws -> [EncryptionKey] {
        try await store.encryptionKeys(organizationID: actor.organizationID, memberID: memberID)
    }

    // MARK: The recovery key

    /// Registers the public half of a recovery key made offline (`handover admin recovery-key new`).
    public func registerRecoveryKey(publicKey raw: Data, by actor: Member) async throws -> RecoveryKey {
        guard actor.role == .admin else { throw HandoverError.notPermitted(action: "register a recovery key", reason: "only admins do") }
        guard raw.count == 32, (try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: raw)) != nil else {
            throw HandoverError.invalid([Problem(path: "publicKey", message: "must be a base64 32-byte X25519 public key")])
        }
        let key = RecoveryKey(
            id: SigningKeyID.make(raw), organizationID: actor.organizationID, publicKey: raw.base64EncodedString(), createdBy: actor.id, createdAt: clock.now())
        try await store.setRecoveryKey(key)
        return key
    }

    public func recoveryKey(by actor: Member) async throws -> RecoveryKey {
        guard let key = try await store.recoveryKey(organizationID: actor.organizationID) else {
            throw StoreError.notFound("recovery key")
        }
        return key
    }

    // MARK: Secrets

    /// What an opener is handed: the ciphertext, their wrap of its content key, and what it is.
    public struct Sealing: Sendable {
        public var ciphertext: String
        public var wrap: SecretWrap
        public var secret: Secret
    }

    /// A new secret. Its id is the client's: the value's associated data names it before the server
    /// sees anything, so the client makes one (32 hex digits, as `Secrets.newID` does).
    public func add(
        id: String, accountID: String, name: String, system: String, kind: SecretKind, ciphertext: String, wraps: [SecretWrap], by actor: Member
    ) async throws -> Secret {
        let account = try await handovers.accounts.account(id: accountID, by: actor)
        guard let owner = try await store.member(id: account.ownerID, organizationID: actor.organizationID),
            Access.canAddSecret(to: account, owner: owner, actor: actor)
        else { throw HandoverError.notPermitted(action: "add a secret to this account", reason: "only its owner, the owner's manager or an admin do") }
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines), system = system.trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [Problem] = []
        if name.isEmpty || name.count > Secret.maxNameLength {
            problems.append(Problem(path: "name", message: "give it a name of 1 to \(Secret.maxNameLength) characters"))
        }
        if system.count > Secret.maxNameLength { problems.append(Problem(path: "system", message: "is longer than \(Secret.maxNameLength) characters")) }
        if id.range(of: "^[0-9a-f]{32}$", options: .regularExpression) == nil { problems.append(Problem(path: "id", message: "must be 32 lowercase hex digits")) }
        problems += Self.ciphertextProblems(ciphertext)
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        // The name says what it is; the value goes in the sealed part.
        try CredentialGuard.refuse(CredentialScan.findings([("name", name), ("system", system)]))
        let now = clock.now()
        let secret = Secret(
            id: id, organizationID: actor.organizationID, accountID: account.id, name: name, system: system, kind: kind, version: 1,
            lastRotatedAt: now, createdBy: actor.id, createdAt: now)
        let wraps = wraps.map {
            var wrap = $0; wrap.secretID = secret.id; wrap.version = 1; wrap.handoverID = nil; return wrap
        }
        try await checkWraps(wraps, requiring: [actor.id], organizationID: actor.organizationID)
        try await store.createSecret(secret, ciphertext: ciphertext, wraps: wraps, by: AuditActor(member: actor.id))
        var created = secret
        created.readers = wraps.map(\.readerID).filter { $0 != SecretWrap.recoveryReader }.sorted()
        return created
    }

    public func secrets(accountID: String, by actor: Member) async throws -> [Secret] {
        let account = try await handovers.accounts.account(id: accountID, by: actor)
        return try await store.secrets(accountID: account.id, organizationID: actor.organizationID)
    }

    public func secret(id: String, by actor: Member) async throws -> Secret {
        guard let (secret, _) = try await store.secret(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("secret \(id)") }
        return secret
    }

    /// The ciphertext and the caller's wrap, audited. A wrap made for a handover opens once its
    /// recipient has acknowledged it.
    public func open(id: String, by actor: Member) async throws -> Sealing {
        if actor.role == .auditor { throw HandoverError.notPermitted(action: "open a secret", reason: "auditors read no secrets") }
        guard let (secret, ciphertext) = try await store.secret(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("secret \(id)") }
        guard let wrap = try await store.secretWrap(secretID: id, readerID: actor.id) else {
            throw HandoverError.notPermitted(action: "open \(secret.name)", reason: "it is not sealed to you; ask one of its readers to share it")
        }
        try await requireOpenable(wrap, by: actor)
        try await store.recordSecretOpen(secretID: id, organizationID: actor.organizationID, readerID: actor.id, at: clock.now(), by: AuditActor(member: actor.id))
        return Sealing(ciphertext: ciphertext, wrap: wrap, secret: secret)
    }

    /// For an admin holding the recovery key's private half: the ciphertext and the recovery wrap.
    public func recover(id: String, by actor: Member) async throws -> Sealing {
        guard actor.role == .admin else { throw HandoverError.notPermitted(action: "recover a secret", reason: "only admins hold the recovery key") }
        guard let (secret, ciphertext) = try await store.secret(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("secret \(id)") }
        guard let wrap = try await store.secretWrap(secretID: id, readerID: SecretWrap.recoveryReader) else {
            throw HandoverError.conflict("Secret \(secret.name) has no recovery wrap.")
        }
        try await store.recordSecretOpen(
            secretID: id, organizationID: actor.organizationID, readerID: SecretWrap.recoveryReader, at: clock.now(), by: AuditActor(member: actor.id))
        return Sealing(ciphertext: ciphertext, wrap: wrap, secret: secret)
    }

    /// Adds readers: the caller re-wrapped the content key to each. The caller must be able to
    /// open it now (or be an admin, who holds the recovery key). A wrap for a handover goes to its
    /// recipient from its transferor, and opens once the recipient has acknowledged.
    public func share(id: String, wraps: [SecretWrap], by actor: Member) async throws -> Secret {
        guard let (secret, _) = try await store.secret(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("secret \(id)") }
        if actor.role != .admin {
            guard let own = try await store.secretWrap(secretID: id, readerID: actor.id) else {
                throw HandoverError.notPermitted(action: "share \(secret.name)", reason: "only its readers (or an admin) share a secret")
            }
            try await requireOpenable(own, by: actor)
        }
        guard !wraps.isEmpty else { throw HandoverError.invalid([Problem(path: "wraps", message: "give at least one reader's wrap")]) }
        var checked: [SecretWrap] = []
        for (index, wrap) in wraps.enumerated() {
            var wrap = wrap
            wrap.secretID = id
            if wrap.version != secret.version {
                throw StoreError.stale("the secret is at version \(secret.version), not \(wrap.version): open it again and wrap the current version")
            }
            if wrap.readerID == SecretWrap.recoveryReader {
                throw HandoverError.invalid([Problem(path: "wraps[\(index)].readerID", message: "the recovery wrap changes only with a rotation")])
            }
            if let handoverID = wrap.handoverID {
                let (handover, _) = try await handovers.handover(id: handoverID, by: actor)
                guard handover.accountID == secret.accountID, handover.state.isOpen, handover.transferorID == actor.id, handover.recipientID == wrap.readerID else {
                    throw HandoverError.invalid([
                        Problem(path: "wraps[\(index)].handoverID", message: "must be an open handover of this secret's account, from you to this reader")
                    ])
                }
            }
            checked.append(wrap)
        }
        try await checkWraps(checked, requiring: [], organizationID: actor.organizationID, recoveryRequired: false)
        try await store.addSecretWraps(checked, organizationID: actor.organizationID, at: clock.now(), by: AuditActor(member: actor.id))
        return try await self.secret(id: id, by: actor)
    }

    /// A new value (a new version): sealed again, to every reader the caller names, the caller
    /// and the recovery key among them.
    public func rotate(id: String, expectedVersion: Int, ciphertext: String, wraps: [SecretWrap], by actor: Member) async throws -> Secret {
        guard let (secret, _) = try await store.secret(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("secret \(id)") }
        guard let own = try await store.secretWrap(secretID: id, readerID: actor.id) else {
            throw HandoverError.notPermitted(action: "rotate \(secret.name)", reason: "only its readers rotate a secret")
        }
        try await requireOpenable(own, by: actor)
        if let problem = Self.ciphertextProblems(ciphertext).first { throw HandoverError.invalid([problem]) }
        let next = expectedVersion + 1
        let wraps = wraps.map {
            // Which wraps wait for a handover is the store's to carry over, not the caller's to say.
            var wrap = $0; wrap.secretID = id; wrap.handoverID = nil; return wrap
        }
        if let stray = wraps.firstIndex(where: { $0.version != next }) {
            throw HandoverError.invalid([Problem(path: "wraps[\(stray)].version", message: "must be \(next), the version this rotation makes")])
        }
        try await checkWraps(wraps, requiring: [actor.id], organizationID: actor.organizationID)
        return try await store.rotateSecret(
            id: id, organizationID: actor.organizationID, expectedVersion: expectedVersion, ciphertext: ciphertext, wraps: wraps, at: clock.now(),
            by: AuditActor(member: actor.id))
    }

    // MARK: Rules

    /// A wrap made for a handover opens once its recipient has acknowledged it.
    func requireOpenable(_ wrap: SecretWrap, by actor: Member) async throws {
        guard let handoverID = wrap.handoverID else { return }
        let (handover, _) = try await handovers.handover(id: handoverID, by: actor)
        guard [.acknowledged, .completed, .verified, .closed].contains(handover.state) else {
            throw HandoverError.notPermitted(
                action: "open this secret yet", reason: "it was shared with you for a handover you have not acknowledged (it is \(handover.state.rawValue))")
        }
    }

    /// Each wrap goes to a member of the organization with that active encryption key (or to the
    /// active recovery key), is 64 bytes, and names each reader once; `requiring` readers and
    /// (by default) the recovery key must be among them.
    func checkWraps(_ wraps: [SecretWrap], requiring: [String], organizationID: String, recoveryRequired: Bool = true) async throws {
        let recovery = try await store.recoveryKey(organizationID: organizationID)
        if recoveryRequired && recovery == nil {
            throw HandoverError.conflict(
                "No recovery key is registered for your organization, so a secret sealed now could become unreadable when its last reader leaves: an admin runs 'handover admin recovery-key new' first."
            )
        }
        // A member demoted to auditor keeps their key, but reads no secrets.
        let auditors = Set(try await store.members(organizationID: organizationID).filter { $0.role == .auditor }.map(\.id))
        let active = Dictionary(
            try await store.encryptionKeys(organizationID: organizationID, memberID: nil).filter { $0.revokedAt == nil && !auditors.contains($0.memberID) }
                .map { ($0.memberID, $0.id) },
            uniquingKeysWith: { a, _ in a })
        var problems: [Problem] = []
        var seen: Set<String> = []
        for (index, wrap) in wraps.enumerated() {
            let path = "wraps[\(index)]"
            if !seen.insert(wrap.readerID).inserted { problems.append(Problem(path: "\(path).readerID", message: "names \(wrap.readerID) twice")) }
            if Data(base64Encoded: wrap.wrappedKey)?.count != SecretWrap.wrappedKeyLength {
                problems.append(Problem(path: "\(path).wrappedKey", message: "must be base64 of \(SecretWrap.wrappedKeyLength) bytes (an HPKE wrap of a 16-byte key)"))
            }
            let expected = wrap.readerID == SecretWrap.recoveryReader ? recovery?.id : active[wrap.readerID]
            if expected == nil {
                problems.append(Problem(path: "\(path).readerID", message: "\(wrap.readerID) has no active encryption key in your organization"))
            } else if expected != wrap.keyID {
                problems.append(Problem(path: "\(path).keyID", message: "is not \(wrap.readerID)'s active key (\(expected ?? "")): fetch the keys again and re-wrap"))
            }
        }
        for reader in requiring where !seen.contains(reader) {
            problems.append(Problem(path: "wraps", message: "must include a wrap for you (\(reader)), or you could not open it again"))
        }
        if recoveryRequired && !seen.contains(SecretWrap.recoveryReader) {
            problems.append(Problem(path: "wraps", message: "must include a wrap for the organization's recovery key (\(SecretWrap.recoveryReader))"))
        }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
    }

    static func ciphertextProblems(_ ciphertext: String) -> [Problem] {
        guard let bytes = Data(base64Encoded: ciphertext), bytes.count >= 28, bytes.count <= 65_536 + 28 else {
            return [Problem(path: "ciphertext", message: "must be base64 of an AES-GCM box: a 12-byte nonce, the ciphertext (at most 64 KiB) and a 16-byte tag")]
        }
        return []
    }
}
