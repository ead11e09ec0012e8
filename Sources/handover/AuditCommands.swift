import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverTrust

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The organization's tamper-evident audit log: checkpoints, export, offline verification.",
        discussion: """
            Every change (and every read of a handover by someone other than its author) is an entry
            in a per-organization Merkle tree (RFC 6962). The server signs checkpoints of that tree
            (C2SP tlog-checkpoint, Ed25519) and never signs one that disagrees with an earlier one.
              handover audit checkpoint                 the latest signed checkpoint and the log's key
              handover audit export --output log.json   everything needed to check the log offline
              handover audit verify log.json --key K    check it with no server (K: the key you trust)
            Reading the log needs an admin or auditor login.
            """,
        subcommands: [AuditCheckpoint.self, AuditExport.self, AuditVerify.self]
    )
}

struct CheckpointReply: Decodable, Sendable {
    var size: Int
    var rootHash: String
    var checkpoint: String
    var verifierKey: String
}

struct AuditCheckpoint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "checkpoint", abstract: "Show the latest signed checkpoint and the log's public key.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/audit/checkpoint", as: CheckpointReply.self) }
        options.output.emit(raw: reply.json) {
            print("Entries signed: \(reply.value.size)")
            print("Log key (pin this; give it to 'audit verify --key'):\n  \(reply.value.verifierKey)\n")
            print(reply.value.checkpoint, terminator: "")
        }
    }
}

struct AuditExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the organization's audit log as a bundle that 'handover audit verify' checks offline.",
        discussion: """
            Asks the server for the signed checkpoints, the consistency proofs between them and the log's key
            (the export itself is logged first, so the bundle covers it), then fetches the entries \(AuditExport.page)
            at a time, so a log of any size can be exported. Progress goes to standard error.
            """
    )
    static let page = 1000

    @Option(name: .shortAndLong, help: "File to write (it is replaced).") var output: String
    @OptionGroup var options: ClientOptions

    struct EntriesPage: Decodable, Sendable {
        struct Item: Decodable, Sendable {
            var entry: AuditEntry
            var leafHash: String
        }

        var entries: [Item]
    }

    func run() async throws {
        let client = try options.client()
        var bundle = try await CLIErrors.run { try await client.get("/api/v1/audit/export?entries=false", as: AuditBundle.self) }.value
        // Page by position up to the signed size, even past a missing row (a gap is for 'verify'
        // to name), then on until the log ends.
        let signedSize = (try? Checkpoint(signedNote: bundle.checkpoints.last ?? "", verifier: NoteVerifier(keyString: bundle.verifierKey)).size) ?? 0
        var start = 0
        var finished = false
        while !finished {
            let path = "/api/v1/audit/entries?start=\(start)&end=\(start + Self.page)"
            let items = try await CLIErrors.run { try await client.get(path, as: EntriesPage.self) }.value.entries
            for item in items {
                bundle.entries.append(item.entry)
                bundle.leafHashes.append(item.leafHash)
            }
            start += Self.page
            finished = start >= signedSize && items.count < Self.page
            if signedSize >= 50 * Self.page, (start / Self.page) % 50 == 0 {
                FileHandle.standardError.write(Data("  \(bundle.entries.count) of \(signedSize) entries\n".utf8))
            }
        }
        do {
            try JSONEncoder().encode(bundle).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw ValidationError("could not write \(output): \(error.localizedDescription)")
        }
        try options.output.emit(["file": .string(output), "entries": .number(Double(bundle.entries.count)), "checkpoints": .number(Double(bundle.checkpoints.count)),
                                 "verifierKey": .string(bundle.verifierKey)]) {
            print("Wrote \(output): \(bundle.entries.count) entries, \(bundle.checkpoints.count) signed checkpoints.")
            print("Check it anywhere with: handover audit verify \(output) --key \(bundle.verifierKey)")
        }
    }
}

struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an audit bundle or a certificate of completion with no server.",
        discussion: """
            A bundle: recomputes the Merkle tree from the entries (RFC 6962), checks each signed checkpoint's
            Ed25519 signature and root, checks the consistency proofs between checkpoints, and names
            the first entry that does not match. Exit status 0 when the bundle verifies, 1 when not.
            Without --key the bundle vouches for its own key, which only proves internal consistency:
            pin the key you got from the organization ('handover audit checkpoint') to prove origin.
            """
    )
    @Argument(help: "The bundle from 'handover audit export', or a certificate from 'handover certificate'.") var bundle: String
    @Option(help: "The log's verifier key you trust (name+id+base64).") var key: String?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let pinned: NoteVerifier?
        do { pinned = try key.map(NoteVerifier.init(keyString:)) } catch { throw ValidationError("--key: \(error)") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: bundle)) } catch { throw ValidationError("could not read \(bundle): \(error.localizedDescription)") }
        struct Format: Decodable { var format: String? }
        if (try? JSONDecoder().decode(Format.self, from: data))?.format == CompletionCertificate.formatName {
            return try verifyCertificate(data, pinned: pinned)
        }
        let decoded: AuditBundle
        do { decoded = try JSONDecoder().decode(AuditBundle.self, from: data) } catch { throw ValidationError("\(bundle) is not an audit bundle or certificate: \(error)") }
        let start = ContinuousClock.now
        let result = decoded.verify(pinnedKey: pinned)
        let elapsed = ContinuousClock.now - start
        try output.emit([
            "ok": .bool(result.ok), "entries": .number(Double(result.entriesChecked)), "checkpoints": .number(Double(result.checkpointsChecked)),
            "proofs": .number(Double(result.proofsChecked)), "signedSize": .number(Double(result.latestSize)), "uncovered": .number(Double(result.uncovered)),
            "keyPinned": .bool(result.keyPinned), "failure": result.failure.map(JSONValue.string) ?? .null,
            "failedEntry": result.failedEntry.map { .number(Double($0)) } ?? .null,
        ]) {
            if let failure = result.failure {
                print("FAILED: \(failure)")
                if let entry = result.failedEntry, entry < decoded.entries.count, decoded.entries[entry].seq == entry {
                    let e = decoded.entries[entry]
                    print("  entry \(entry) as exported: \(e.action) \(e.target) by \(e.actor) at \(JSONDateText.format(Date(timeIntervalSince1970: Double(e.time) / 1000)))")
                }
            } else {
                print("OK: \(result.entriesChecked) entries, \(result.checkpointsChecked) signed checkpoints, \(result.proofsChecked) consistency proofs verified in \(elapsed.formatted(.units(allowed: [.milliseconds])))")
                print("  signed tree: \(result.latestSize) entries, root \(result.latestRoot)")
                if result.uncovered > 0 { print("  \(result.uncovered) newer entries are not yet covered by a signed checkpoint") }
                print(result.keyPinned ? "  signed by the key you pinned" : "  key not pinned: the bundle vouches for its own key; pass --key to check who signed it")
            }
        }
        if !result.ok { throw ExitCode(1) }
    }

    /// A certificate: the checkpoint's signature, each entry's inclusion proof, each sign-off's
    /// signature over the completed content by a key whose enrolment the log recorded.
    func verifyCertificate(_ data: Data, pinned: NoteVerifier?) throws {
        let certificate: CompletionCertificate
        do { certificate = try JSONDecoder().decode(CompletionCertificate.self, from: data) } catch { throw ValidationError("\(bundle) is not a readable certificate: \(error)") }
        let result = certificate.verify(pinnedKey: pinned)
        try output.emit([
            "ok": .bool(result.ok), "kind": .string("certificate"), "handover": .string(certificate.handover.id),
            "signoffs": .number(Double(result.signoffsVerified)), "entries": .number(Double(result.entriesProved)),
            "signedSize": .number(Double(result.checkpointSize)), "keyPinned": .bool(result.keyPinned), "failure": result.failure.map(JSONValue.string) ?? .null,
        ]) {
            if let failure = result.failure {
                print("FAILED: \(failure)")
                return
            }
            let h = certificate.handover
            print("OK: certificate of completion of handover \(h.id) (\(h.accountName), \(h.templateName))")
            for party in certificate.parties { print("  \(party.role.rawValue): \(party.name) <\(party.email)>") }
            for signoff in certificate.signoffs {
                print("  signed by the \(signoff.role.rawValue) with key \(signoff.keyID) (\(signoff.authentication)), audit entry \(signoff.entry)")
            }
            for milestone in certificate.timeline { print("  \(milestone.at)  \(milestone.event) by \(milestone.actor)  (entry \(milestone.entry))") }
            print("  content SHA-256 \(h.contentDigest)")
            print("  \(result.signoffsVerified) signatures and \(result.entriesProved) audit entries proved against the signed log of \(result.checkpointSize) entries")
            print(result.keyPinned ? "  log signed by the key you pinned" : "  key not pinned: the certificate vouches for its own log key; pass --key to check who signed it")
        }
        if !result.ok { throw ExitCode(1) }
    }
}
