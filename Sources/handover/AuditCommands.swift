import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire
import HandoverTrust

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The audit log: checkpoint, export, verify offline.",
        discussion: """
            Every change (and every read of a handover by someone other than its author) is an entry \
            in a per-organization Merkle tree (RFC 6962). The server signs checkpoints of that tree \
            (C2SP tlog-checkpoint, Ed25519) and never signs one that disagrees with an earlier one.
              handover audit checkpoint               the latest checkpoint, the log's key
              handover audit export --output log.json all it takes to check the log offline
              handover audit verify log.json --key K  check it offline (K: a key you trust)
              handover audit verify new.json --against old.json
                                          name every entry changed between exports
            Reading the log needs an admin or auditor login.
            """,
        subcommands: [AuditCheckpoint.self, AuditExport.self, AuditVerify.self]
    )
}

struct AuditCheckpoint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "checkpoint", abstract: "Show the latest signed checkpoint and the log's key.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/audit/checkpoint", as: CheckpointResponse.self) }
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
        abstract: "Export the audit log, for 'handover audit verify'.",
        discussion: """
            Asks the server for the signed checkpoints, the consistency proofs between them and the log's key \
            (the export itself is logged first, so the bundle covers it), then fetches the entries \(AuditExport.page) \
            at a time, so a log of any size can be exported, and the server's stored tree nodes (\(AuditExport.nodePage) a \
            request), which let 'audit verify' narrow a failed signed root down to the entries that changed. \
            Progress goes to standard error.
            """
    )
    static let page = 1000
    static let nodePage = 5000

    @Option(name: .shortAndLong, help: "File to write (it is replaced).") var output: String
    @OptionGroup var options: ClientOptions

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
            let items = try await CLIErrors.run { try await client.get(path, as: AuditEntriesResponse.self) }.value.entries
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
        bundle.treeNodes = try await treeNodes(client, signedSize: signedSize)
        do {
            try JSONEncoder().encode(bundle).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw ValidationError("could not write \(output): \(error.localizedDescription)")
        }
        try options.output.emit([
            "file": .string(output), "entries": .number(Double(bundle.entries.count)), "checkpoints": .number(Double(bundle.checkpoints.count)),
            "verifierKey": .string(bundle.verifierKey),
        ]) {
            print("Wrote \(output): \(bundle.entries.count) entries, \(bundle.checkpoints.count) signed checkpoints.")
            print("Check it anywhere with: handover audit verify \(output) --key \(bundle.verifierKey)")
        }
    }

    /// Every stored node of the tree the latest checkpoint signs, level by level ("" for one the
    /// server lacks: the verifier then goes without it). Paged by the count each level needs, so
    /// a missing node cannot end a level early.
    func treeNodes(_ client: HandoverAPIClient, signedSize: Int) async throws -> [[String]] {
        var levels: [[String]] = []
        var level = 1
        while signedSize >> level > 0 {
            let count = signedSize >> level
            var hashes: [String] = []
            hashes.reserveCapacity(count)
            for start in stride(from: 0, to: count, by: Self.nodePage) {
                let end = min(start + Self.nodePage, count)
                let page = try await CLIErrors.run { try await client.get("/api/v1/audit/nodes?level=\(level)&start=\(start)&end=\(end)", as: AuditNodesResponse.self) }
                    .value
                hashes += page.hashes.prefix(end - start).map { $0 ?? "" }
                hashes += Array(repeating: "", count: end - start - min(page.hashes.count, end - start))
            }
            levels.append(hashes)
            level += 1
        }
        return levels
    }
}
