import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverTrust
import HandoverWire

/// `handover asset`: physical items and their chain of custody.
struct PhysicalAssetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asset", abstract: "Laptops, badges, keys and tokens, and who holds them.",
        discussion: """
            Admins and managers register items; an item changes hands only through a signed \
            custody transfer ('handover custody --help'), so its history is provable.
              handover asset add --kind laptop --name "ThinkPad X1" --custodian EMAIL
              handover asset list [--custodian EMAIL]  what you may see
              handover asset show ID
              handover asset history ID -o chain.json  verified against the signed log
              handover asset verify chain.json --key K offline, no server
            """,
        subcommands: [AssetAdd.self, AssetList.self, AssetShow.self, AssetHistory.self, AssetVerify.self]
    )
}

extension PhysicalAssetKind: ExpressibleByArgument {}
extension PhysicalAssetCondition: ExpressibleByArgument {}

struct AssetAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Register an item and who holds it.")
    @Option(help: "laptop, badge, key, hardware-token, phone or other.") var kind: PhysicalAssetKind
    @Option(help: "What it is, as people call it.") var name: String
    @Option(help: "Serial number (unique in the organization).") var serial: String?
    @Option(help: "Where it is kept.") var location: String?
    @Option(help: "good, worn or damaged (default good).") var condition: PhysicalAssetCondition?
    @Option(help: "Who holds it (email or id).") var custodian: String
    @Option(help: "The account it belongs with.") var account: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let custodianID = try await MemberLookup.id(of: custodian, client: client)
        let body = CreatePhysicalAssetRequest(
            kind: kind, name: name, serial: serial, location: location, condition: condition, custodianID: custodianID, accountID: account)
        let reply = try await CLIErrors.run { try await client.send(.POST, "/api/v1/assets", json: body, as: PhysicalAsset.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            let asset = reply.value
            print("Registered \(asset.name) (\(asset.id)), held by \(names[asset.custodianID] ?? asset.custodianID).")
        }
    }
}

struct AssetList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The items you may see, by name.")
    @Option(help: "Only those this member holds (email or id).") var custodian: String?
    @Option(help: "Only those of this account.") var account: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        var query: [URLQueryItem] = []
        if let custodian { query.append(URLQueryItem(name: "custodian", value: try await MemberLookup.id(of: custodian, client: client))) }
        if let account { query.append(URLQueryItem(name: "account", value: account)) }
        var components = URLComponents()
        components.path = "/api/v1/assets"
        components.queryItems = query.isEmpty ? nil : query
        let reply = try await CLIErrors.run { try await client.get(components.string ?? "/api/v1/assets", as: ListResponse<PhysicalAsset>.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty {
                print("No assets you may see.")
                return
            }
            Table.print(
                ["ID", "KIND", "NAME", "SERIAL", "CONDITION", "HELD BY", "LOCATION"],
                reply.value.items.map {
                    [$0.id, $0.kind.rawValue, $0.name, $0.serial ?? "", $0.condition.rawValue, names[$0.custodianID] ?? $0.custodianID, $0.location]
                })
        }
    }
}

struct AssetShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One item: what, where, who holds it.")
    @Argument(help: "Asset id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/assets/\(id)", as: PhysicalAsset.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            let a = reply.value
            print("\(a.name) (\(a.kind.rawValue)), serial \(a.serial ?? "none")")
            print("  held by \(names[a.custodianID] ?? a.custodianID); condition \(a.condition.rawValue)")
            if !a.location.isEmpty { print("  kept at \(a.location)") }
            print("  registered \(HumanDate.format(a.createdAt)), last changed \(HumanDate.format(a.updatedAt))")
            print("Its chain of custody: 'handover asset history \(a.id)'.")
        }
    }
}

struct AssetHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Chain of custody, verified against the signed log.",
        discussion: """
            Fetches the item's custody entries with inclusion proofs against a signed checkpoint, \
            and verifies them here, as 'audit verify' does: the checkpoint's signature, each proof, \
            both parties' signed statements, and that each change of hands starts with whoever \
            held the item. Exit status 1 when it does not verify. Pin the log key with --key.
            """)
    @Argument(help: "Asset id.") var id: String
    @Option(help: "The log's verifier key you trust (name+id+base64).") var key: String?
    @Option(name: .shortAndLong, help: "Also save the history here, to verify again offline.") var output: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/assets/\(id)/history", as: CustodyHistory.self) }
        if let output { try reply.json.write(to: URL(fileURLWithPath: output)) }
        let names = try await MemberLookup.names(client: client)
        try CustodyHistoryReport.print(reply.value, key: key, names: names, output: options.output)
    }
}

struct AssetVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check a saved chain of custody, offline.",
        discussion: "The file from 'asset history ID -o FILE'. Exit status 1 when it does not verify.")
    @Argument(help: "The saved history.") var file: String
    @Option(help: "The log's verifier key you trust (name+id+base64).") var key: String?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch { throw ValidationError("could not read \(file): \(error.localizedDescription)") }
        let history: CustodyHistory
        do { history = try JSONDecoder().decode(CustodyHistory.self, from: data) } catch { throw ValidationError("\(file) is not a custody history: \(error)") }
        try CustodyHistoryReport.print(history, key: key, names: [:], output: output)
    }
}

/// Verifies a history and prints it (or its JSON report); exit status 1 when it fails.
enum CustodyHistoryReport {
    static func print(_ history: CustodyHistory, key: String?, names: [String: String], output: OutputOptions) throws {
        let pinned: NoteVerifier?
        do { pinned = try key.map(NoteVerifier.init(keyString:)) } catch { throw ValidationError("--key: \(error)") }
        let result = history.verify(pinnedKey: pinned)
        func who(_ id: String) -> String { names[id] ?? id }
        let chain: [JSONValue] = history.links.map { link in
            .object([
                "transfer": .string(link.transfer), "from": .string(link.from), "to": .string(link.to), "outcome": .string(link.outcome.rawValue),
                "entry": .number(Double(link.entry)),
                "at": history.audit.entries.first { $0.seq == link.entry }.map { .string(RFC3339.format(millis: $0.time)) } ?? .null,
            ])
        }
        let keys: [JSONValue] = history.keys.map { key in
            var fields: [String: JSONValue] = [
                "id": .string(key.id), "member": .string(key.member), "origin": .string(key.origin), "enrolledAt": .string(key.enrolledAt),
                "entry": .number(Double(key.entry)),
            ]
            if let revokedAt = key.revokedAt { fields["revokedAt"] = .string(revokedAt) }
            if let revokedEntry = key.revokedEntry { fields["revokedEntry"] = .number(Double(revokedEntry)) }
            return .object(fields)
        }
        try output.emit([
            "ok": .bool(result.ok), "kind": .string("custody-history"), "asset": .string(history.asset.id), "custodian": .string(history.asset.custodian),
            "links": .array(chain), "keys": .array(keys), "entries": .number(Double(result.entriesProved)), "signatures": .number(Double(result.signaturesVerified)),
            "signedSize": .number(Double(result.checkpointSize)), "keyPinned": .bool(result.keyPinned), "failure": result.failure.map(JSONValue.string) ?? .null,
        ]) {
            let a = history.asset
            if let failure = result.failure {
                Swift.print("FAILED: \(failure)")
                return
            }
            Swift.print("OK: chain of custody of \(a.name) (\(a.kind.rawValue)\(a.serial.isEmpty ? "" : ", serial \(a.serial)"))")
            let created = history.audit.entries.first { $0.seq == history.createdEntry }
            Swift.print(
                "  \(created.map { HumanDate.format(Date(millis: $0.time)) } ?? "?")  registered, held by \(who(history.createdCustodian))  (entry \(history.createdEntry))"
            )
            for link in history.links {
                let when = history.audit.entries.first { $0.seq == link.entry }.map { HumanDate.format(Date(millis: $0.time)) } ?? "?"
                let what =
                    switch link.outcome {
                    case .received: "\(who(link.from)) → \(who(link.to))"
                    case .damaged: "\(who(link.from)) → \(who(link.to)), arrived damaged"
                    case .missing: "missing when \(who(link.from)) handed over; lost, last held by \(who(link.from))"
                    }
                Swift.print("  \(when)  \(what)  (transfer \(link.transfer), entry \(link.entry), signed by both)")
            }
            Swift.print("  now held by \(who(a.custodian)); condition \(a.condition.rawValue)")
            // The log proves when a key was enrolled, not that its holder made it: whoever runs
            // the server could enrol one in a member's name. Each holder can compare the id with
            // the one 'handover key new' printed them (or their browser's), out of band.
            if !history.keys.isEmpty {
                Swift.print("  signing keys (ask each holder to confirm the id is theirs):")
                for key in history.keys {
                    let revoked =
                        key.revokedAt.map { at in
                            ", revoked \(RFC3339.parse(at).map { HumanDate.format($0) } ?? at)\(key.revokedEntry.map { " (entry \($0))" } ?? "")"
                        } ?? ""
                    let enrolled = RFC3339.parse(key.enrolledAt).map { HumanDate.format($0) } ?? key.enrolledAt
                    Swift.print("    \(key.id)  \(who(key.member)), \(key.origin) key enrolled \(enrolled) (entry \(key.entry))\(revoked)")
                }
            }
            Swift.print(
                "  \(result.signaturesVerified) signatures and \(result.entriesProved) audit entries proved against the signed log of \(result.checkpointSize) entries")
            Swift.print(
                result.keyPinned ? "  log signed by the key you pinned" : "  key not pinned: the history vouches for its own log key; pass --key to check who signed it")
        }
        if !result.ok { throw ExitCode(1) }
    }
}
