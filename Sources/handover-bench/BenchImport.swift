import ArgumentParser
import Foundation
import HandoverCore
import HandoverServices
import HandoverStore
import HandoverTrust
import SQLKit

struct BenchImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Imports an N-row ticket export, beside the raw insert rate into the same table, on each engine.",
        discussion: """
            Writes a Zendesk ticket export of N rows (default 1,000,000; about 180 bytes a row) to a \
            temporary file, row by row, for an organization with 1,000 accounts the rows link to \
            by name. Then:

            Raw: the same rows by multi-row INSERT (500 rows a statement, one transaction per 2,000 \
            rows, the import's step) into imported_records, built in memory a step at a time: no \
            file, no parsing, no checks, no linking, no upsert. They are deleted again before the \
            import, which starts from the same empty table.

            Import: the upload (streamed to disk, its header read, its rows counted) and then the \
            import.run job as the server runs it: CSV.swift reading the file, each row checked and \
            linked, upserted by external id, progress written twice a second. The rate is rows \
            over the job's time; the upload is reported beside it.

            Peak RSS is the process's maximum resident set after both. Targets (release build): the \
            import at >= 50% of the raw rate, peak RSS < 300 MB, on each engine.
            """
    )

    @Option(help: "Rows in the export.") var rows = 1_000_000
    @Option(help: "A throwaway PostgreSQL database to measure too (default: HANDOVER_TEST_POSTGRES_URL).") var postgres: String?
    @Flag(help: "Measure PostgreSQL alone, so the peak RSS is its own.") var skipSqlite = false
    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard rows > 0 else { throw ValidationError("--rows must be positive") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("handover-bench-\(Secrets.newID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let export = folder.appendingPathComponent("tickets.csv").path
        let bytes = try Self.writeExport(to: export, rows: rows)
        log(String(format: "export: %d rows, %.0f MB", rows, Double(bytes) / 1_000_000))
        var results: [String: JSONValue] = [:]
        for (name, location) in try benchEngines(sqlite: folder.appendingPathComponent("import.sqlite"), postgres: postgres)
        where !(skipSqlite && name == "sqlite") {
            let f = try await SQLHandoverStore.withStore(location) { try await measure($0, export: export, folder: folder.path) }
            let rawRate = Double(rows) / f.raw
            let importRate = Double(f.imported) / f.job
            log(String(format: "  %@: raw, %d rows by multi-row INSERT: %.2f s (%.0f rows/s)", name, rows, f.raw, rawRate))
            log(
                String(
                    format: "  %@: import: upload %.2f s, job %.2f s (%.0f rows/s, %d imported, %d bad, %d unlinked); %.0f%% of raw (target >= 50%%)",
                    name, f.upload, f.job, importRate, f.imported, f.bad, f.unlinked, importRate / rawRate * 100))
            log(String(format: "  %@: peak RSS %.0f MB (target < 300 MB)", name, f.rssMB))
            results[name] = .object([
                "rows": .number(Double(rows)), "rawSeconds": .number(f.raw), "uploadSeconds": .number(f.upload), "jobSeconds": .number(f.job),
                "rawRowsPerSecond": .number(rawRate.rounded()), "importRowsPerSecond": .number(importRate.rounded()),
                "importShareOfRaw": .number((importRate / rawRate * 1000).rounded() / 1000), "peakRSSMB": .number(f.rssMB.rounded()),
            ])
        }
        if output.format == .json { try output.printJSON(JSONValue.object(results)) }
    }

    struct Figures {
        var raw: Double, upload: Double, job: Double
        var imported: Int, bad: Int, unlinked: Int
        var rssMB: Double
    }

    static let accounts = 1_000
    static let statuses = ["new", "open", "pending", "hold", "solved"]
    static let priorities = ["low", "normal", "high", "urgent"]

    static func accountName(_ index: Int) -> String { "Bench Customer \(index % accounts)" }

    /// One ticket, the same for the export and the raw baseline.
    static func ticket(_ i: Int) -> [String] {
        [
            "\(100_000 + i)", "Requester \(i % 5_000)", "Agent \(i % 40)", "Printer queue stalls after update \(i % 997)",
            statuses[i % statuses.count], priorities[i % priorities.count], accountName(i),
            String(format: "2027-%02d-%02d", 1 + i % 12, 1 + i % 28),
            "Customer reports the queue stops after the nightly update; workaround is a restart of the spooler.",
        ]
    }

    static let header = ["Id", "Requester", "Assignee", "Subject", "Status", "Priority", "Organization", "Due date", "Description"]

    /// Written a few thousand rows at a time: the file is never whole in memory.
    static func writeExport(to path: String, rows: Int) throws -> Int {
        FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw ValidationError("cannot write \(path)") }
        defer { try? handle.close() }
        var text = header.joined(separator: ",") + "\n"
        var total = 0
        for i in 0..<rows {
            text += ticket(i).joined(separator: ",") + "\n"
            if text.utf8.count > 1 << 20 || i == rows - 1 {
                total += text.utf8.count
                try handle.write(contentsOf: Data(text.utf8))
                text = ""
            }
        }
        return total
    }

    func measure(_ store: SQLHandoverStore, export: String, folder: String) async throws -> Figures {
        let members = MemberService(store: store)
        let tag = Secrets.newID()
        let (_, admin) = try await members.createOrganization(name: "Bench import", adminEmail: "admin-\(tag)@bench.example", adminName: "Admin", password: nil)
        let org = admin.organizationID
        try await seedAccounts(store, organizationID: org, ownerID: admin.id, tag: tag)

        // Raw: the same rows, into the same table, for another organization (no key collides).
        let (_, rawAdmin) = try await members.createOrganization(name: "Bench raw", adminEmail: "raw-\(tag)@bench.example", adminName: "Raw", password: nil)
        var clock = ContinuousClock.now
        let now = Date()
        for start in stride(from: 0, to: rows, by: 2_000) {
            let batch = (start..<min(start + 2_000, rows)).map { i -> ImportedRecord in
                let t = Self.ticket(i)
                return ImportedRecord(
                    source: "zendesk.ticket", kind: .ticket, externalID: t[0], accountRef: t[6], accountID: nil, name: t[3], status: t[4], priority: t[5],
                    owner: t[2], due: CalendarDate(t[7]), body: t[8], provenance: .init(importID: "raw", file: "tickets.csv", row: i + 2, importedAt: now))
            }
            try await store.database.transaction { db in
                for part in stride(from: 0, to: batch.count, by: SQLHandoverStore.importBatch) {
                    try await db.raw(
                        SQLHandoverStore.importInsert(
                            batch[part..<min(part + SQLHandoverStore.importBatch, batch.count)], organizationID: rawAdmin.organizationID, upsert: false)
                    ).run()
                }
            }
        }
        let raw = Self.seconds(since: clock)
        // The import starts from the table as the raw run found it (not what is measured).
        try await store.database.transaction { db in
            try await db.raw("DELETE FROM imported_records WHERE organization_id = \(bind: rawAdmin.organizationID)").run()
        }

        let services = Services(
            store: store, logKeys: try LogKeys(secret: Array(repeating: 42, count: 32)), imports: ImportSettings(directory: folder + "/imports-\(tag)"))
        clock = ContinuousClock.now
        guard let handle = FileHandle(forReadingAtPath: export) else { throw ValidationError("cannot read \(export)") }
        defer { try? handle.close() }
        let uploaded = try await services.imports.upload(ImportRequest(fileName: "tickets.csv"), body: FileChunks(handle: handle), by: admin)
        let upload = Self.seconds(since: clock)
        clock = ContinuousClock.now
        let jobs = try await store.claimJobs(runner: "bench", kinds: [JobKind.importRun], limit: 10, lease: 3_600, at: Date())
        guard let job = jobs.first(where: { $0.organizationID == org }) else { throw ValidationError("the import's job was not queued") }
        try await services.imports.execute(job)
        let jobSeconds = Self.seconds(since: clock)
        let run = try await services.imports.run(id: uploaded.id, by: admin)
        guard run.state == .done else { throw ValidationError("the import ended \(run.state.rawValue): \(run.error ?? "")") }
        let rss = BenchDeparture.peakRSSMegabytes()
        return Figures(raw: raw, upload: upload, job: jobSeconds, imported: run.rowsImported, bad: run.rowsBad, unlinked: run.rowsUnlinked, rssMB: rss)
    }

    /// The accounts the tickets link to, by multi-row INSERT (not what is measured).
    func seedAccounts(_ store: SQLHandoverStore, organizationID: String, ownerID: String, tag: String) async throws {
        let now = Date()
        let profile = String(decoding: try JSONEncoder().encode(AccountProfile()), as: UTF8.self)
        try await store.database.transaction { db in
            var insert = SQLQueryString("INSERT INTO accounts (id, organization_id, name, kind, owner_id, profile, version, created_at, updated_at) VALUES ")
            for index in 0..<Self.accounts {
                if index > 0 { insert += ", " }
                insert += """
                    (\(bind: "bench-\(tag)-\(index)"), \(bind: organizationID), \(bind: Self.accountName(index)), 'customer', \(bind: ownerID), \(bind: profile),
                     1, \(bind: now.millis), \(bind: now.millis))
                    """
            }
            try await db.raw(insert).run()
        }
    }

    func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

    /// The file 64 KB at a time, read as the upload asks for it (an AsyncStream would read it all
    /// ahead into its buffer, and the peak RSS would be the file's size).
    struct FileChunks: AsyncSequence, @unchecked Sendable {
        let handle: FileHandle
        struct AsyncIterator: AsyncIteratorProtocol {
            let handle: FileHandle
            mutating func next() async throws -> Data? {
                guard let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty else { return nil }
                return chunk
            }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle) }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
