import ArgumentParser
import Foundation
import HandoverCore
import HandoverTrust

struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an audit export or a certificate, offline.",
        discussion: """
            A bundle: recomputes the Merkle tree from the entries (RFC 6962), checks each signed checkpoint's \
            Ed25519 signature and root, checks the consistency proofs between checkpoints, and names \
            the entries that do not match: as one entry, or as the smallest range the signed hashes in the \
            bundle can prove. Exit status 0 when the bundle verifies, 1 when not.

            Without --key the bundle vouches for its own key, which only proves internal consistency: \
            pin the key you got from the organization ('handover audit checkpoint') to prove origin.

            With --against OLD.json, both exports are verified, the newer signed log must extend the older \
            one, and every entry of the older export that the newer one does not hold unchanged is named \
            (entries past the older export's end are new, not differences); exit status 1 if any differ.
            """
    )
    @Argument(help: "The bundle from 'handover audit export', or a certificate from 'handover certificate'.") var bundle: String
    @Option(help: "The log's verifier key you trust (name+id+base64).") var key: String?
    @Option(help: "An older export of the same log to compare the bundle with.") var against: String?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let pinned: NoteVerifier?
        do { pinned = try key.map(NoteVerifier.init(keyString:)) } catch { throw ValidationError("--key: \(error)") }
        let data = try read(bundle)
        struct Format: Decodable { var format: String? }
        if (try? JSONDecoder().decode(Format.self, from: data))?.format == CompletionCertificate.formatName {
            guard against == nil else { throw ValidationError("--against compares two audit bundles; \(bundle) is a certificate") }
            return try verifyCertificate(data, pinned: pinned)
        }
        let decoded = try decodeBundle(data, bundle)
        let start = ContinuousClock.now
        let result = decoded.verify(pinnedKey: pinned)
        let elapsed = ContinuousClock.now - start
        var json = Self.json(result)
        var ok = result.ok
        var older: (bundle: AuditBundle, result: AuditVerification, comparison: AuditComparison)?
        if let against {
            let old = try decodeBundle(try read(against), against)
            let oldResult = old.verify(pinnedKey: pinned)
            let comparison = decoded.compare(against: old)
            older = (old, oldResult, comparison)
            ok = ok && oldResult.ok && comparison.ok
            json["against"] = .object(
                Self.json(oldResult).merging([
                    "file": .string(against), "consistent": .bool(comparison.inconsistency == nil),
                    "inconsistency": comparison.inconsistency.map(JSONValue.string) ?? .null,
                    "compared": .number(Double(comparison.compared)), "added": .number(Double(comparison.added)),
                    "differences": .array(comparison.differences.map { .object(["index": .number(Double($0.index)), "description": .string($0.description)]) }),
                ]) { _, new in new })
        }
        try output.emit(json) {
            if let failure = result.failure {
                print("FAILED: \(failure)")
                printExported(result, decoded)
            } else {
                print(
                    "OK: \(result.entriesChecked) entries, \(result.checkpointsChecked) signed checkpoints, \(result.proofsChecked) consistency proofs verified in \(elapsed.formatted(.units(allowed: [.milliseconds])))"
                )
                print("  signed tree: \(result.latestSize) entries, root \(result.latestRoot)")
                if result.uncovered > 0 { print("  \(result.uncovered) newer entries are not yet covered by a signed checkpoint") }
                print(result.keyPinned ? "  signed by the key you pinned" : "  key not pinned: the bundle vouches for its own key; pass --key to check who signed it")
            }
            if let older { printComparison(older.result, older.comparison) }
        }
        if !ok { throw ExitCode(1) }
    }

    func read(_ path: String) throws -> Data {
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw ValidationError("could not read \(path): \(error.localizedDescription)") }
    }

    func decodeBundle(_ data: Data, _ path: String) throws -> AuditBundle {
        do { return try JSONDecoder().decode(AuditBundle.self, from: data) } catch { throw ValidationError("\(path) is not an audit bundle or certificate: \(error)") }
    }

    static func json(_ result: AuditVerification) -> [String: JSONValue] {
        [
            "ok": .bool(result.ok), "entries": .number(Double(result.entriesChecked)), "checkpoints": .number(Double(result.checkpointsChecked)),
            "proofs": .number(Double(result.proofsChecked)), "signedSize": .number(Double(result.latestSize)), "uncovered": .number(Double(result.uncovered)),
            "keyPinned": .bool(result.keyPinned), "failure": result.failure.map(JSONValue.string) ?? .null,
            "failedEntry": result.failedEntry.map { .number(Double($0)) } ?? .null,
            "changedEntries": .array(result.changedEntries.map { .object(["start": .number(Double($0.lowerBound)), "end": .number(Double($0.upperBound))]) }),
        ]
    }

    /// The named entries as the bundle has them, so the reader sees what was altered (for the
    /// first few short ranges; a long range is better read with --against).
    func printExported(_ result: AuditVerification, _ bundle: AuditBundle) {
        var shown = result.failedEntry.map { [$0] } ?? []
        if shown.isEmpty { shown = result.changedEntries.prefix(5).filter { $0.count <= 4 }.flatMap { Array($0) } }
        for index in shown where index < bundle.entries.count && bundle.entries[index].seq == index {
            let e = bundle.entries[index]
            print("  entry \(index) as exported: \(e.action) \(e.target) by \(e.actor) at \(HumanDate.format(Date(millis: e.time)))")
        }
    }

    func printComparison(_ old: AuditVerification, _ comparison: AuditComparison) {
        print("Against \(against ?? ""):")
        if let failure = old.failure {
            print("  the older export does not verify on its own: \(failure)")
            print("  (so the differences below are from entries that are not all the signed ones)")
        } else {
            print("  the older export verifies on its own: \(old.entriesChecked) entries, \(old.checkpointsChecked) signed checkpoints")
        }
        if let inconsistency = comparison.inconsistency {
            print("  FAILED: \(inconsistency)")
        } else {
            print("  the newer signed log extends the older one")
        }
        if comparison.differences.isEmpty {
            print("  all \(comparison.compared) entries of the older export are unchanged; \(comparison.added) entries are new")
        } else {
            let count = comparison.differences.count
            print("  FAILED: \(count) of the older export's \(comparison.compared) entries \(count == 1 ? "differs" : "differ") in the newer one:")
            for line in comparison.lines { print("    \(line)") }
        }
    }

    /// A certificate: the checkpoint's signature, each entry's inclusion proof, each sign-off's
    /// signature over the completed content by a key whose enrolment the log recorded.
    func verifyCertificate(_ data: Data, pinned: NoteVerifier?) throws {
        let certificate: CompletionCertificate
        do { certificate = try JSONDecoder().decode(CompletionCertificate.self, from: data) } catch {
            throw ValidationError("\(bundle) is not a readable certificate: \(error)")
        }
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
            // Names where the certificate has them (the parties); a manager who only verified is named by id.
            let names = Dictionary(certificate.parties.map { ($0.member, $0.name) }) { first, _ in first }
            for signoff in certificate.signoffs {
                print(
                    "  signed by the \(signoff.role.rawValue), \(names[signoff.signer] ?? signoff.signer), with key \(signoff.keyID) (\(signoff.authentication)), audit entry \(signoff.entry)"
                )
            }
            for milestone in certificate.timeline {
                let when = RFC3339.parse(milestone.at).map { HumanDate.format($0) } ?? milestone.at
                print("  \(when)  \(milestone.event) by \(names[milestone.actor] ?? milestone.actor)  (entry \(milestone.entry))")
            }
            print("  content SHA-256 \(h.contentDigest)")
            print("  \(result.signoffsVerified) signatures and \(result.entriesProved) audit entries proved against the signed log of \(result.checkpointSize) entries")
            print(
                result.keyPinned
                    ? "  log signed by the key you pinned" : "  key not pinned: the certificate vouches for its own log key; pass --key to check who signed it")
        }
        if !result.ok { throw ExitCode(1) }
    }
}
