import Foundation
import NIOPosix
import HandoverCore
import HandoverStore

/// Where attachments are kept and how large one may be.
public struct AttachmentSettings: Sendable {
    /// The blob folder (`AttachmentBlobs`).
    public var directory: String
    /// The largest upload, in bytes (HANDOVER_ATTACHMENT_MAX_BYTES; 500 MB = 500,000,000 by default).
    public var maxBytes: Int64

    public static let defaultMaxBytes: Int64 = 500_000_000

    public init(directory: String = NSTemporaryDirectory() + "handover-attachments", maxBytes: Int64 = AttachmentSettings.defaultMaxBytes) {
        self.directory = directory
        self.maxBytes = maxBytes
    }
}

/// Files on handovers and accounts. Reading follows the handover or account (whoever may read it
/// reads its attachments; another organization's ids are 404); adding needs `AttachmentAccess`.
/// An upload is checked before its body is read, streamed to disk with a size limit, typed by
/// its bytes, and a text file is refused if it holds a credential: nothing is stored on a refusal.
public struct AttachmentService: Sendable {
    let store: any HandoverStore
    let handovers: HandoverService
    let clock: WallClock
    let ids: IDMaker
    public let settings: AttachmentSettings
    let locks = BlobLocks()
    public var blobs: AttachmentBlobs { AttachmentBlobs(directory: settings.directory) }

    /// Checks that `actor` may attach `name` to `owner`, before any of the body is read.
    public func checkUpload(to owner: AttachmentOwner, name: String, by actor: Member) async throws {
        if let problem = AttachmentName.problem(name) { throw HandoverError.invalid([Problem(path: "name", message: problem)]) }
        switch owner {
        case .handover(let id):
            let (handover, parties) = try await handovers.handover(id: id, by: actor)
            guard AttachmentAccess.canAttach(to: handover, parties: parties, actor: actor) else {
                throw HandoverError.notPermitted(action: "attach a file to this handover", reason: "auditors have read-only access")
            }
        case .account(let id):
            let account = try await handovers.accounts.account(id: id, by: actor)
            guard let owner = try await store.member(id: account.ownerID, organizationID: actor.organizationID) else {
                throw StoreError.notFound("member \(account.ownerID)")
            }
            guard AttachmentAccess.canAttach(to: account, owner: owner, actor: actor) else {
                throw HandoverError.notPermitted(
                    action: "attach a file to this account",
                    reason: actor.role == .auditor ? "auditors have read-only access" : "only its owner, the owner's manager or an admin add files to an account")
            }
        }
    }

    /// Streams `body` into the blob folder and records it. Over the limit: `AttachmentBlobs.TooLarge`.
    public func upload<S: AsyncSequence>(to owner: AttachmentOwner, name: String, body: S, by actor: Member) async throws -> Attachment
    where S.Element: Collection, S.Element.Element == UInt8 {
        try await checkUpload(to: owner, name: name, by: actor)
        let blobs = self.blobs
        let received = try await blobs.receive(body, limit: settings.maxBytes)
        // The temporary file goes whatever happens (once renamed into place there is none left).
        defer { blobs.discard(received) }
        if received.size == 0 { throw HandoverError.invalid([Problem(path: "body", message: "is empty; send the file's bytes")]) }
        let mediaType = AttachmentType.sniff(received.head)
        if AttachmentType.isScannedForCredentials(mediaType) {
            // The detector reads ~0.4 MB/s of dense text: a bound keeps one upload from holding a
            // thread for minutes, and the scan runs on the blocking pool, not the server's.
            guard received.size <= AttachmentType.maxScannedBytes else {
                throw HandoverError.invalid([
                    Problem(
                        path: "body",
                        message:
                            "is a text file of \(received.size) bytes; text files are checked for credentials, up to \(AttachmentType.maxScannedBytes) bytes: split it, or compress it"
                    )
                ])
            }
            let path = received.temporaryPath
            let findings = try await NIOThreadPool.singleton.runIfActive { try AttachmentBlobs.credentialFindings(inTextFile: path) }
            try CredentialGuard.refuse(findings)
        }
        let now = clock.now()
        let attachment = Attachment(
            id: ids.next(at: now), organizationID: actor.organizationID, owner: owner, name: name.trimmingCharacters(in: .whitespaces), mediaType: mediaType,
            size: received.size, sha256: received.sha256, uploaderID: actor.id, createdAt: now)
        // The file, then the row (with its audit entry), under the content's lock: a row never
        // points at a missing file, even after a kill -9 in between (which leaves a file no row
        // uses: the same bytes uploaded again reuse it), and a delete of another row with this
        // content waits, then sees this row and keeps the blob.
        let store = self.store
        try await locks.withLock(received.sha256) {
            try blobs.place(received)
            do {
                try await store.createAttachment(attachment, by: AuditActor(member: actor.id))
            } catch {
                if try await !store.attachmentContentInUse(sha256: received.sha256) { blobs.remove(sha256: received.sha256) }
                throw error
            }
        }
        return attachment
    }

    /// One attachment the caller may read; 404 otherwise (as for another organization's).
    public func attachment(id: String, by actor: Member) async throws -> Attachment {
        guard let attachment = try await store.attachment(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("attachment \(id)") }
        do {
            try await checkRead(attachment.owner, by: actor)
        } catch is StoreError {
            throw StoreError.notFound("attachment \(id)")
        }
        return attachment
    }

    /// The attachments of a handover or an account the caller may read, oldest first.
    public func attachments(of owner: AttachmentOwner, by actor: Member) async throws -> [Attachment] {
        try await checkRead(owner, by: actor)
        return try await store.attachments(owner: owner, organizationID: actor.organizationID)
    }

    /// An attachment and the file holding its bytes.
    public func content(id: String, by actor: Member) async throws -> (attachment: Attachment, path: String) {
        let attachment = try await attachment(id: id, by: actor)
        let path = blobs.path(sha256: attachment.sha256)
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.damaged("the content of attachment \(id) is missing from the attachments folder")
        }
        return (attachment, path)
    }

    /// Soft-deletes (the row stays, marked); the blob goes when no other attachment has its content.
    public func delete(id: String, by actor: Member) async throws {
        let attachment = try await attachment(id: id, by: actor)
        guard AttachmentAccess.canDelete(attachment, actor: actor) else {
            throw HandoverError.notPermitted(
                action: "delete this attachment", reason: actor.role == .auditor ? "auditors have read-only access" : "only its uploader or an admin deletes it")
        }
        try await store.deleteAttachment(id: id, organizationID: actor.organizationID, at: clock.now(), by: AuditActor(member: actor.id))
        let (store, blobs) = (self.store, self.blobs)
        try await locks.withLock(attachment.sha256) {
            if try await !store.attachmentContentInUse(sha256: attachment.sha256) { blobs.remove(sha256: attachment.sha256) }
        }
    }

    func checkRead(_ owner: AttachmentOwner, by actor: Member) async throws {
        switch owner {
        case .handover(let id): _ = try await handovers.handover(id: id, by: actor)
        case .account(let id): _ = try await handovers.accounts.account(id: id, by: actor)
        }
    }
}
