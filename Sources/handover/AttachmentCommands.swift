import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

/// `--handover ID` or `--account ID`: what an attachment hangs on.
struct AttachmentOwnerOptions: ParsableArguments {
    @Option(help: "The handover id.") var handover: String?
    @Option(help: "The account id.") var account: String?

    func owner() throws -> AttachmentOwner {
        switch (handover, account) {
        case (let id?, nil): return .handover(Outbox.pathSafe(id))
        case (nil, let id?): return .account(Outbox.pathSafe(id))
        default: throw ValidationError("Say what the file is for: --handover ID or --account ID (one of them).")
        }
    }
}

/// `handover attach FILE --handover ID`: upload a file, streamed.
struct Attach: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Attach a file to a handover or an account.",
        discussion: """
            The file is streamed to the server (a large video is never read into \
            memory); progress goes to standard error for files over 10 MB. The \
            server decides the type from the bytes, refuses text holding a \
            credential, and refuses files over its limit (500 MB unless \
            HANDOVER_ATTACHMENT_MAX_BYTES says otherwise).
              handover attach walkthrough.mp4 --handover H_ID
              handover attach diagram.png --account A_ID --name "Network.png"
            """)
    @Argument(help: "The file to upload.") var file: String
    @OptionGroup var target: AttachmentOwnerOptions
    @Option(help: "The name to show (default: the file's own name).") var name: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let owner = try target.owner()
        try Self.requireReadableFile(file)
        let client = try options.client()
        let size = ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.int64Value ?? 0
        let progress = Self.progress(total: size)
        let reply = try await CLIErrors.run {
            try await client.upload(file: file, name: name ?? (file as NSString).lastPathComponent, to: owner, progress: progress)
        }
        if progress != nil { FileHandle.standardError.write(Data("\n".utf8)) }
        options.output.emit(raw: reply.json) {
            let a = reply.value
            print("Attached \(a.name) (\(a.mediaType), \(AttachmentText.size(a.size))) as \(a.id).")
            print("Download it with 'handover attachment get \(a.id)'.")
        }
    }

    /// A file to upload: there, not a folder, and readable.
    static func requireReadableFile(_ file: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isFolder), !isFolder.boolValue else {
            throw ValidationError("No file at \(file).")
        }
        guard FileManager.default.isReadableFile(atPath: file) else { throw ValidationError("Cannot read \(file).") }
    }

    /// A progress line on standard error for files over 10 MB, redrawn at most every 1%.
    static func progress(total: Int64) -> (@Sendable (Int64, Int64) -> Void)? {
        guard total > 10_000_000 else { return nil }
        let last = LockedPercent()
        return { sent, total in
            let percent = Int(sent * 100 / max(total, 1))
            if last.advance(to: percent) {
                FileHandle.standardError.write(Data("\rUploading: \(percent)% of \(AttachmentText.size(total))".utf8))
            }
        }
    }
}

/// The last percentage shown, shared by the upload's chunks.
final class LockedPercent: @unchecked Sendable {
    private let lock = NSLock()
    private var value = -1
    func advance(to percent: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard percent > value else { return false }
        value = percent
        return true
    }
}

/// `handover attachments --handover ID`: list them.
struct Attachments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the files attached to a handover or an account.",
        discussion: """
            Whoever may read the handover or account may read its files.
              handover attachments --handover H_ID
              handover attachments --account A_ID --format json
            """)
    @OptionGroup var target: AttachmentOwnerOptions
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let path: String
        switch try target.owner() {
        case .handover(let id): path = "/api/v1/handovers/\(id)/attachments"
        case .account(let id): path = "/api/v1/accounts/\(id)/attachments"
        }
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get(path, as: ListResponse<Attachment>.self) }
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty { print("No attachments.") }
            for a in reply.value.items {
                print("\(a.id)  \(a.name)  \(a.mediaType)  \(AttachmentText.size(a.size))  \(HumanDate.format(a.createdAt))")
            }
        }
    }
}

/// `handover attachment get|rm ID`.
struct AttachmentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attachment", abstract: "Download or delete one attachment.",
        discussion: """
              handover attachment get ID -o walkthrough.mp4
              handover attachment get ID > file     (to standard output)
              handover attachment rm ID             (its uploader or an admin)
            """,
        subcommands: [AttachmentGet.self, AttachmentRemove.self])
}

struct AttachmentGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Download an attachment's content (streamed).",
        discussion: "Without -o the bytes go to standard output. With -o an existing file is not replaced.")
    @Argument(help: "Attachment id.") var id: String
    @Option(name: [.short, .customLong("output")], help: "Write to this file (must not exist).") var output: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let id = Outbox.pathSafe(id)
        let meta = try await CLIErrors.run { try await client.get("/api/v1/attachments/\(id)", as: Attachment.self) }
        guard let output else {
            try await CLIErrors.run { try await client.download(attachmentID: id) { FileHandle.standardOutput.write(Data($0.readableBytesView)) } }
            return
        }
        if FileManager.default.fileExists(atPath: output) { throw ValidationError("\(output) exists already; choose another name or remove it first.") }
        guard FileManager.default.createFile(atPath: output, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("Cannot create \(output).")
        }
        guard let handle = FileHandle(forWritingAtPath: output) else { throw ValidationError("Cannot write \(output).") }
        defer { try? handle.close() }
        do {
            try await CLIErrors.run { try await client.download(attachmentID: id) { handle.write(Data($0.readableBytesView)) } }
        } catch {
            try? FileManager.default.removeItem(atPath: output)
            throw error
        }
        options.output.emit(raw: meta.json) {
            print("Saved \(meta.value.name) (\(AttachmentText.size(meta.value.size))) to \(output).")
        }
    }
}

struct AttachmentRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Delete an attachment (its uploader or an admin).",
        discussion: "The record stays in the audit log; the bytes go once no other attachment has the same content.")
    @Argument(help: "Attachment id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let id = Outbox.pathSafe(id)
        _ = try await CLIErrors.run { try await client.send(.DELETE, "/api/v1/attachments/\(id)", body: nil, as: EmptyReply.self) }
        try options.output.emit(["deleted": .string(id)]) { print("Deleted attachment \(id).") }
    }
}

enum AttachmentText {
    /// "1.2 MB".
    static func size(_ bytes: Int64) -> String {
        let units = ["bytes", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }
}
