import Foundation

/// What an attachment hangs on: a handover or an account.
public enum AttachmentOwner: Sendable, Hashable {
    case handover(String)
    case account(String)

    public var handoverID: String? { if case .handover(let id) = self { id } else { nil } }
    public var accountID: String? { if case .account(let id) = self { id } else { nil } }
    /// "handover h_…", for messages.
    public var description: String {
        switch self {
        case .handover(let id): "handover \(id)"
        case .account(let id): "account \(id)"
        }
    }
}

/// A file on a handover or an account: a video walkthrough, a diagram, a document. The bytes live
/// once per content in the blob folder (`AttachmentBlobs`, by SHA-256); this row says whose it is,
/// what it was called and what it is. `mediaType` is what the server sniffed from the first bytes,
/// never what the client claimed.
public struct Attachment: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var handoverID: String?
    public var accountID: String?
    public var name: String
    public var mediaType: String
    public var size: Int64
    /// Lower-case hex SHA-256 of the content: where the blob is, and the download's ETag.
    public var sha256: String
    public var uploaderID: String
    public var createdAt: Date
    /// Set by a delete; a deleted attachment is neither listed nor served.
    public var deletedAt: Date?

    public init(
        id: String, organizationID: String, owner: AttachmentOwner, name: String, mediaType: String, size: Int64, sha256: String, uploaderID: String,
        createdAt: Date, deletedAt: Date? = nil
    ) {
        self.id = id
        self.organizationID = organizationID
        self.handoverID = owner.handoverID
        self.accountID = owner.accountID
        self.name = name
        self.mediaType = mediaType
        self.size = size
        self.sha256 = sha256
        self.uploaderID = uploaderID
        self.createdAt = createdAt
        self.deletedAt = deletedAt
    }

    public var owner: AttachmentOwner { handoverID.map(AttachmentOwner.handover) ?? .account(accountID ?? "") }

    /// Whether a browser may show it in the page (an `<img>`, a `<video>`, a PDF viewer). Never
    /// for markup a browser would run (SVG, HTML): those only download.
    public var showsInline: Bool { AttachmentType.inlineTypes.contains(mediaType) }
    public var isImage: Bool { showsInline && mediaType.hasPrefix("image/") }
    public var isVideo: Bool { showsInline && mediaType.hasPrefix("video/") }
    public var isAudio: Bool { showsInline && mediaType.hasPrefix("audio/") }
}

/// The file name an upload gives: shown in lists and offered as the download's name, never used
/// as a path. 1 to 200 characters, no path separators, no control characters, not "." or "..".
public enum AttachmentName {
    public static let limit = 200

    /// The problem with `name`, or nil when it is fine.
    public static func problem(_ name: String) -> String? {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || name.unicodeScalars.count > limit { return "give a file name of 1 to \(limit) characters" }
        if name.contains("/") || name.contains("\\") { return "must be a file name without / or \\" }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format && $0.value != 0x200D }) {
            return "must not contain control characters"
        }
        if trimmed == "." || trimmed == ".." { return "must be a file name, not . or .." }
        return nil
    }
}

/// Type sniffing from the first bytes (the WHATWG MIME Sniffing signatures that matter here).
/// The stored type is what the bytes are; a client's Content-Type is not believed, so a page
/// cannot be smuggled in as an "image".
public enum AttachmentType {
    /// How many leading bytes `sniff` looks at.
    public static let sniffLength = 512

    /// Text-like types whose content is checked for credentials at upload (HTML and SVG too: a
    /// `.env` that starts with a tag is still text). Binary and compressed files are not opened.
    public static func isScannedForCredentials(_ mediaType: String) -> Bool {
        mediaType.hasPrefix("text/") || mediaType == "image/svg+xml"
    }

    /// The largest text file that is checked for credentials, and so the largest accepted.
    public static let maxScannedBytes: Int64 = 10 * 1024 * 1024

    /// Types a browser may render in place; everything else is served as a download.
    public static let inlineTypes: Set<String> = [
        "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "video/mp4", "video/quicktime", "video/webm", "audio/mpeg", "audio/ogg",
        "text/plain",
    ]

    /// The media type of content starting with `head`.
    public static func sniff(_ head: some Collection<UInt8>) -> String {
        let b = Array(head.prefix(sniffLength))
        func starts(_ signature: [UInt8], at offset: Int = 0) -> Bool {
            b.count >= offset + signature.count && Array(b[offset..<offset + signature.count]) == signature
        }
        func ascii(_ text: String, at offset: Int = 0) -> Bool { starts(Array(text.utf8), at: offset) }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if ascii("GIF87a") || ascii("GIF89a") { return "image/gif" }
        if ascii("RIFF") && ascii("WEBP", at: 8) { return "image/webp" }
        if ascii("%PDF-") { return "application/pdf" }
        if ascii("ftyp", at: 4) {
            // ISO base media: the major brand says QuickTime or MP4 (isom, mp41, mp42, avc1, M4V…).
            return ascii("qt  ", at: 8) ? "video/quicktime" : "video/mp4"
        }
        if starts([0x1A, 0x45, 0xDF, 0xA3]) { return "video/webm" }
        if ascii("ID3") || (b.count >= 2 && b[0] == 0xFF && b[1] & 0xE0 == 0xE0 && b[1] & 0x06 != 0) { return "audio/mpeg" }
        if ascii("OggS") { return "audio/ogg" }
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) { return "application/zip" }
        if let markup = markup(b) { return markup }
        if isText(b) { return "text/plain" }
        return "application/octet-stream"
    }

    /// HTML and SVG (served only as downloads): by their opening tag, after whitespace and a BOM.
    static func markup(_ bytes: [UInt8]) -> String? {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let lower = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if lower.hasPrefix("<svg") || (lower.hasPrefix("<?xml") && lower.contains("<svg")) { return "image/svg+xml" }
        for tag in ["<!doctype html", "<html", "<head", "<body", "<script", "<iframe", "<div", "<p>", "<a ", "<img", "<style", "<title"] where lower.hasPrefix(tag) {
            return "text/html"
        }
        return nil
    }

    /// UTF-8 without NULs or other binary control bytes. A multi-byte character cut at the end of
    /// the sample does not count against it.
    static func isText(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return true }
        if bytes.contains(where: { $0 < 0x20 && ![0x09, 0x0A, 0x0C, 0x0D, 0x1B].contains($0) || $0 == 0x7F }) { return false }
        var end = bytes.count
        // Back off an incomplete sequence at the cut (at most 3 bytes).
        var back = 0
        while back < 3, end - back - 1 >= 0, bytes[end - back - 1] & 0xC0 == 0x80 { back += 1 }
        if end - back - 1 >= 0, bytes[end - back - 1] >= 0xC0 {
            let lead = bytes[end - back - 1]
            let needed = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1
            if back < needed { end = end - back - 1 }
        }
        return String(validating: bytes[0..<end], as: UTF8.self) != nil
    }
}

/// A `Range: bytes=…` header against a file of `size` bytes (RFC 9110 14.1.2).
public enum ByteRange: Sendable, Hashable {
    /// No usable range: serve the whole file (no header, another unit, or a multi-range request,
    /// which this server answers with the whole file rather than multipart/byteranges).
    case whole
    /// One satisfiable range, clamped to the file.
    case part(ClosedRange<Int64>)
    /// 416: nothing of the file is in the range.
    case unsatisfiable

    public static func parse(_ header: String?, size: Int64) -> ByteRange {
        guard let header = header?.trimmingCharacters(in: .whitespaces), header.lowercased().hasPrefix("bytes=") else { return .whole }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        // Several ranges: the whole file, which RFC 9110 allows (a server may ignore Range).
        guard !spec.contains(",") else { return .whole }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { return .whole }
        func number(_ text: String) -> Int64? { text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber) && !text.isEmpty ? Int64(text) : nil }
        if parts[0].isEmpty {
            // The last n bytes.
            guard let suffix = number(parts[1]) else { return .whole }
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .part(max(0, size - suffix)...(size - 1))
        }
        guard let first = number(parts[0]) else { return .whole }
        let last: Int64
        if parts[1].isEmpty {
            last = size - 1
        } else {
            guard let end = number(parts[1]), end >= first else { return .whole }
            last = min(end, size - 1)
        }
        guard first < size else { return .unsatisfiable }
        return .part(first...last)
    }
}

/// Who may add and remove attachments. Reading follows the handover or account: whoever may read
/// it may read its attachments.
public enum AttachmentAccess {
    /// A handover's people (its parties, their managers, admins); never an auditor.
    public static func canAttach(to handover: Handover, parties: Parties, actor: Member) -> Bool {
        actor.role != .auditor && Access.canView(handover, parties: parties, viewer: actor)
    }

    /// Whoever steers the account (its owner, the owner's manager, an admin).
    public static func canAttach(to account: Account, owner: Member, actor: Member) -> Bool {
        Access.canSteer(account, owner: owner, actor: actor)
    }

    /// Its uploader or an admin of its organization.
    public static func canDelete(_ attachment: Attachment, actor: Member) -> Bool {
        actor.organizationID == attachment.organizationID && actor.role != .auditor && (actor.id == attachment.uploaderID || actor.role == .admin)
    }
}
