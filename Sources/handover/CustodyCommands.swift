import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverTrust
import HandoverWire

/// `handover custody`: hand physical items from one member to another, with a signed record of
/// what arrived.
struct CustodyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "custody", abstract: "Hand items over: record what arrived, both sign.",
        discussion: """
            The expected items are what the giver holds when the transfer starts. The receiver \
            records what arrived (missing, damaged, extra); both sign that record with their \
            signing key ('handover key new'); the second signature moves custody.
              handover custody start --from EMAIL --to EMAIL [--handover ID]
              handover custody receive ID --missing ASSET --damaged ASSET="cracked"
              handover custody sign ID                 as giver or receiver
              handover custody show ID                 expected against arrived
              handover custody list
            """,
        subcommands: [CustodyStart.self, CustodyReceive.self, CustodySign.self, CustodyShow.self, CustodyList.self]
    )
}

extension CustodyRole: ExpressibleByArgument {}

struct CustodyStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start handing a member's items to another.")
    @Option(help: "The giver (email or id): their items are expected.") var from: String
    @Option(help: "The receiver (email or id).") var to: String
    @Option(help: "The handover between the two this belongs to.") var handover: String?
    @Option(name: .customLong("asset"), help: "Only this item (repeat); default: all they hold.") var assets: [String] = []
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let body = StartCustodyTransferRequest(
            fromID: try await MemberLookup.id(of: from, client: client), toID: try await MemberLookup.id(of: to, client: client), handoverID: handover,
            assetIDs: assets.isEmpty ? nil : assets)
        let reply = try await CLIErrors.run { try await client.send(.POST, "/api/v1/custody-transfers", json: body, as: CustodyTransferResponse.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            let t = reply.value.transfer
            print("Started custody transfer \(t.id) from \(names[t.fromID] ?? t.fromID) to \(names[t.toID] ?? t.toID): \(t.items.count) items expected.")
            for item in t.items { print("  \(item.asset)  \(item.name)\(item.serial.isEmpty ? "" : " (\(item.serial))")") }
            print("Next: \(names[t.toID] ?? "the receiver") records what arrived with 'handover custody receive \(t.id)'.")
        }
    }
}

struct CustodyReceive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receive", abstract: "As the receiver, record what arrived.",
        discussion: """
            Every expected item not named as missing or damaged is recorded as received. Recording \
            again replaces the record, and signatures over the old one no longer count.
            """)
    @Argument(help: "Transfer id.") var id: String
    @Option(help: "An expected item that did not arrive (repeat).") var missing: [String] = []
    @Option(help: "ASSET=NOTE: arrived damaged, and how (repeat).") var damaged: [String] = []
    @Option(help: "ASSET=NOTE: a note on a received item (repeat).") var note: [String] = []
    @Option(help: "An unexpected item, in words (repeat).") var extra: [String] = []
    @Option(help: "KIND:NAME[:SERIAL]: an unexpected item to register (repeat).") var register: [String] = []
    @OptionGroup var options: ClientOptions

    static func pair(_ text: String, _ flag: String) throws -> (String, String) {
        guard let equals = text.firstIndex(of: "=") else { throw ValidationError("--\(flag) takes ASSET=NOTE, not \(text)") }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }

    func run() async throws {
        let client = try options.client()
        let current = try await CLIErrors.run { try await client.get("/api/v1/custody-transfers/\(id)", as: CustodyTransferResponse.self) }.value.transfer
        let damagedNotes = Dictionary(try damaged.map { try Self.pair($0, "damaged") }) { _, last in last }
        let notes = Dictionary(try note.map { try Self.pair($0, "note") }) { _, last in last }
        let expected = Set(current.items.map(\.asset))
        for asset in missing + Array(damagedNotes.keys) + Array(notes.keys) where !expected.contains(asset) {
            throw ValidationError("\(asset) is not expected in this transfer; name unexpected items with --extra or --register")
        }
        let items = current.items.map { item in
            if missing.contains(item.asset) { return CustodyReceiptItem(asset: item.asset, outcome: .missing, note: notes[item.asset]) }
            if let note = damagedNotes[item.asset] { return CustodyReceiptItem(asset: item.asset, outcome: .damaged, note: note) }
            return CustodyReceiptItem(asset: item.asset, outcome: .received, note: notes[item.asset])
        }
        var extras = extra.map { CustodyExtraInput(description: $0) }
        for text in register {
            let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2, let kind = PhysicalAssetKind(rawValue: parts[0]) else {
                throw ValidationError("--register takes KIND:NAME[:SERIAL] with KIND one of \(PhysicalAssetKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            extras.append(CustodyExtraInput(description: parts[1], kind: kind, serial: parts.count > 2 ? parts[2] : nil))
        }
        let body = CustodyReceiptRequest(items: items, extras: extras.isEmpty ? nil : extras)
        let reply = try await CLIErrors.run { try await client.send(.PUT, "/api/v1/custody-transfers/\(id)/receipt", json: body, as: CustodyTransferResponse.self) }
        options.output.emit(raw: reply.json) {
            CustodyShow.printTransfer(reply.value, names: [:])
            print("Next: both sign this record with 'handover custody sign \(id)'.")
        }
    }
}

struct CustodySign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign", abstract: "Sign the record of what arrived, with your key.",
        discussion: """
            Reads the transfer, computes the SHA-256 of its record's canonical JSON (RFC 8785) on \
            this machine, and signs a DSSE envelope (application/vnd.handover.custody+json) of \
            {transfer, from, to, items, extras, recordDigest, signer, role, statement, time}. \
            A change to the record after signing voids the signature.
            """)
    @Argument(help: "Transfer id.") var id: String
    @Option(help: "The key file (default: the one 'handover key new' saved).") var keyFile: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let me = try await CLIErrors.run { try await client.get("/api/v1/me", as: Member.self) }.value
        let transfer = try await CLIErrors.run { try await client.get("/api/v1/custody-transfers/\(id)", as: CustodyTransferResponse.self) }.value.transfer
        guard let role = transfer.role(of: me.id) else { throw CLIError("Only the giver and the receiver sign a custody transfer.") }
        let file = try KeyFile.load(keyFile.map { URL(fileURLWithPath: $0) } ?? KeyFile.defaultPath(member: me.id))
        guard file.member == me.id else { throw CLIError("That key file belongs to member \(file.member), not to you (\(me.id)).") }
        let key = try file.signingKey(passphrase: try file.passphrase())
        let statement = try CustodyStatement(signing: transfer, signer: me.id, role: role, at: Date())
        let envelope = try DSSEEnvelope.sign(payload: try statement.canonicalBytes(), type: CustodyStatement.type, key: key)
        let reply = try await CLIErrors.run {
            try await client.send(
                .POST, "/api/v1/custody-transfers/\(id)/signatures", json: CustodySignatureRequest(envelope: envelope), as: CustodyTransferResponse.self)
        }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            print("Signed as \(role.rawValue) with key \(file.keyID):")
            print("  \"\(statement.statement)\"")
            print("  record SHA-256 \(statement.recordDigest)")
            let after = reply.value
            if after.transfer.state == .completed {
                print("Both have signed: custody moved to \(names[after.transfer.toID] ?? after.transfer.toID). Each item's history: 'handover asset history ID'.")
            } else {
                print("Waiting for the \(after.missing.map(\.rawValue).joined(separator: " and ")) to sign.")
            }
        }
    }
}

struct CustodyShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Expected items against what arrived.")
    @Argument(help: "Transfer id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/custody-transfers/\(id)", as: CustodyTransferResponse.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) { Self.printTransfer(reply.value, names: names) }
    }

    static func printTransfer(_ status: CustodyTransferResponse, names: [String: String]) {
        let t = status.transfer
        print("Custody transfer \(t.id) from \(names[t.fromID] ?? t.fromID) to \(names[t.toID] ?? t.toID): \(t.state.rawValue)")
        print("  started \(HumanDate.format(t.createdAt))\(t.handoverID.map { ", for handover \($0)" } ?? "")")
        Table.print(
            ["ASSET", "NAME", "SERIAL", "ARRIVED", "NOTE"],
            t.items.map { [$0.asset, $0.name, $0.serial, $0.outcome?.rawValue ?? "not recorded", $0.note] })
        for extra in t.extras {
            let registered = extra.asset.map { " (registered as \($0))" } ?? (extra.registers ? " (to register as \(extra.kind?.rawValue ?? ""))" : "")
            print("  extra: \(extra.description)\(extra.serial.isEmpty ? "" : ", serial \(extra.serial)")\(registered)")
        }
        let valid = Set(status.valid)
        for signature in status.signatures {
            print(
                "  signed by the \(signature.role.rawValue) \(HumanDate.format(signature.recordedAt))\(valid.contains(signature.id) ? "" : " (over an earlier record: void)")"
            )
        }
        if t.state == .awaitingSignatures { print("  waiting for: \(status.missing.map(\.rawValue).joined(separator: ", "))") }
    }
}

struct CustodyList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Transfers you may see, newest first.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/custody-transfers", as: ListResponse<CustodyTransfer>.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty {
                print("No custody transfers you may see.")
                return
            }
            Table.print(
                ["ID", "STATE", "FROM", "TO", "ITEMS", "STARTED"],
                reply.value.items.map {
                    [$0.id, $0.state.rawValue, names[$0.fromID] ?? $0.fromID, names[$0.toID] ?? $0.toID, String($0.items.count), HumanDate.day($0.createdAt)]
                })
        }
    }
}
