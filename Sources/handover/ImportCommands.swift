import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `handover import FILE`: upload an export, then follow its job to the end with a progress bar.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a CRM or ticket export (CSV or JSON).",
        discussion: """
            Knows exports of Salesforce (accounts, contacts, opportunities, tasks,
            cases), HubSpot (companies, contacts, deals, tickets), Zendesk tickets
            and Jira issues, recognized from the header row. Columns are mapped to
            fields by your organization's saved mapping for that export, else by a
            suggestion; --map changes a field (field=Column, two columns joined
            with +) and the mapping used is saved for next time. Rows are linked to
            accounts by the account column (a name, or the source's account id).
            Importing the same export again updates its rows (by external id).

            Bad rows are reported (row, column, reason) and skipped; with --strict
            any bad row stops the import and nothing is imported. Admins only.

            Fields: externalId account name status priority owner due amount
            email phone role body

            Examples:
              handover import tickets.csv
              handover import export.csv --source jira.issue --map account=Customer
              handover import contacts.csv --map "name=First Name+Last Name"
              handover import cases.csv --strict
            """)
    @Argument(help: "The export file (.csv, .json, .jsonl).") var file: String
    @Option(help: "Which export it is, when its headers are not recognized (e.g. zendesk.ticket).") var source: String?
    @Option(name: .customLong("map"), help: "field=Column; repeat for several fields.") var mappings: [String] = []
    @Flag(help: "Import nothing if any row is bad.") var strict = false
    @Flag(help: "Upload and stop, to check the mapping on the web page first.") var review = false
    @Flag(help: "Return after the upload instead of following the import.") var noWait = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try Attach.requireReadableFile(file)
        let client = try options.client()
        let size = ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.int64Value ?? 0
        let json = options.format == .json
        let progress = json ? nil : Attach.progress(total: size)
        let reply = try await CLIErrors.run {
            try await client.uploadImport(
                file: file, name: (file as NSString).lastPathComponent, source: source, mapping: mappings, strict: strict, review: review,
                progress: progress)
        }
        if progress != nil { FileHandle.standardError.write(Data("\n".utf8)) }
        var run = reply.value
        var raw = reply.json
        if !json {
            print("Uploaded \(run.fileName) as import \(run.id): \(run.sourceLabel ?? "source not recognized"), about \(run.rowsEstimated) rows.")
            print("Columns: " + run.mapping.pairs.joined(separator: ", "))
        }
        if run.state == .review || noWait {
            options.output.emit(raw: raw) {
                if run.state == .review {
                    print("Waiting for review: check the columns at \(client.server.absoluteString.trimmingCharacters(in: ["/"]))/imports/\(run.id)")
                } else {
                    print("Follow it with 'handover imports show \(run.id)'.")
                }
            }
            return
        }
        let bar = ImportProgressBar(json: json)
        while !run.state.isFinished {
            try await Task.sleep(for: .milliseconds(500))
            let next = try await CLIErrors.run { try await client.get("/api/v1/imports/\(run.id)", as: ImportResponse.self) }
            run = next.value
            raw = next.json
            bar.draw(run)
        }
        bar.end()
        options.output.emit(raw: raw) { ImportText.summary(run) }
        if run.state == .failed { throw ExitCode(1) }
    }
}

/// `handover imports …`: the runs, one run, starting one left for review, an account's rows.
struct Imports: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List imports, show one, or an account's imported rows.",
        subcommands: [ImportsList.self, ImportsShow.self, ImportsRecords.self])
}

struct ImportsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The latest 50 imports, newest first.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/imports", as: ListResponse<ImportResponse>.self) }
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty { print("No imports yet. Start one with 'handover import FILE'.") }
            for run in reply.value.items {
                print(
                    "\(run.id)  \(run.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  \(run.rowsImported) imported, \(run.rowsBad) bad  \(run.fileName)"
                )
            }
        }
    }
}

struct ImportsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One import: its state, figures and bad rows.")
    @Argument(help: "Import id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/imports/\(Outbox.pathSafe(id))", as: ImportResponse.self) }
        options.output.emit(raw: reply.json) { ImportText.summary(reply.value) }
    }
}

struct ImportsRecords: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "records", abstract: "An account's imported rows, with where each came from.")
    @Argument(help: "Account id.") var account: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run {
            try await client.get("/api/v1/accounts/\(Outbox.pathSafe(account))/imported", as: ListResponse<ImportedRecord>.self)
        }
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty { print("Nothing imported for this account.") }
            for r in reply.value.items {
                let facts = [r.status, r.owner, r.due?.description].compactMap { $0 }.joined(separator: " · ")
                print("\(r.kind.rawValue)  \(r.name.isEmpty ? r.externalID : r.name)\(facts.isEmpty ? "" : "  (\(facts))")")
                print("    from \(r.source) \(r.externalID), \(r.provenance.file) row \(r.provenance.row)")
            }
        }
    }
}

enum ImportText {
    static func summary(_ run: ImportResponse) {
        print("Import \(run.id): \(run.fileName), \(run.sourceLabel ?? "source not recognized") — \(run.state.rawValue)")
        print("  \(run.rowsRead) rows read, \(run.rowsImported) imported, \(run.rowsBad) bad, \(run.rowsUnlinked) not linked to an account")
        if let rate = run.rowsPerSecond { print("  \(Int(rate)) rows a second") }
        if let error = run.error { print("  \(error)") }
        for problem in run.problems.prefix(20) {
            print("  row \(problem.row)\(problem.column.map { ", \($0)" } ?? ""): \(problem.reason)")
        }
        if run.rowsBad > 20 { print("  … \(run.rowsBad - 20) more bad rows: 'handover imports show \(run.id) --format json' has the first 1,000.") }
    }
}

/// The progress bar on standard error: redrawn in place on a terminal, a line every 5 seconds
/// otherwise (a log file), nothing under --format json.
final class ImportProgressBar {
    let json: Bool
    let terminal = isatty(2) == 1
    var lastLine = Date.distantPast
    var drawn = false

    init(json: Bool) { self.json = json }

    func draw(_ run: ImportResponse) {
        guard !json else { return }
        let total = max(run.rowsEstimated, run.rowsRead, 1)
        let fraction = run.state == .done ? 1 : Double(run.rowsRead) / Double(total)
        let width = 24
        let filled = Int(fraction * Double(width))
        var line = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
        line += String(format: "%3d%%  %d of ~%d rows", Int(fraction * 100), run.rowsRead, total)
        if let rate = run.rowsPerSecond { line += String(format: "  %.0f rows/s", rate) }
        if let left = run.secondsLeft, !run.state.isFinished { line += String(format: "  ETA %.0fs", left) }
        if run.rowsBad > 0 { line += "  \(run.rowsBad) bad" }
        if terminal {
            FileHandle.standardError.write(Data(("\r" + line + "   ").utf8))
            drawn = true
        } else if Date().timeIntervalSince(lastLine) >= 5 || run.state.isFinished {
            FileHandle.standardError.write(Data((line + "\n").utf8))
            lastLine = Date()
        }
    }

    func end() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
