import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// Imports (Docs/Imports.md): the runs, the saved mappings, and the imported rows.
extension SQLHandoverStore {
    private static let runEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }()
    private static let runDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()

    static func encodeRun(_ run: ImportRun) throws -> String {
        String(decoding: try runEncoder.encode(run), as: UTF8.self)
    }

    public func createImport(_ run: ImportRun) async throws {
        let text = try Self.encodeRun(run)
        try await write { db in
            try await db.raw(
                """
                INSERT INTO imports (id, organization_id, state, run, created_at)
                VALUES (\(bind: run.id), \(bind: run.organizationID), \(bind: run.state.rawValue), \(bind: text), \(bind: run.createdAt.millis))
                """
            ).run()
        }
    }

    /// Writes the run as it is now; with `job`, enqueues it in the same transaction (a run is
    /// never queued without its job, nor a job left for a run still in review). With `expected`,
    /// only if the stored run is still in that state: of two people starting one review at once,
    /// one starts it and the other gets a conflict.
    public func saveImport(_ run: ImportRun, enqueue job: NewJob? = nil, audit: AuditRecord? = nil, from expected: ImportRun.State? = nil) async throws {
        let text = try Self.encodeRun(run)
        try await write { db in
            var update = SQLQueryString(
                """
                UPDATE imports SET state = \(bind: run.state.rawValue), run = \(bind: text)
                WHERE id = \(bind: run.id) AND organization_id = \(bind: run.organizationID)
                """)
            if let expected { update += " AND state = \(bind: expected.rawValue)" }
            if try await db.raw(update + " RETURNING id").first() == nil {
                let exists = try await db.raw("SELECT state FROM imports WHERE id = \(bind: run.id) AND organization_id = \(bind: run.organizationID)").first()
                guard let state = try exists?.decode(column: "state", as: String.self) else { throw StoreError.notFound("import \(run.id)") }
                throw StoreError.conflict("this import has already started (it is \(state))")
            }
            if let job { try await Self.enqueue([job], at: run.updatedAt, db) }
            if let audit {
                try await Self.appendAudit([audit], organizationID: run.organizationID, actor: AuditActor(member: run.createdBy), at: run.updatedAt, db)
            }
        }
    }

    public func importRun(id: String, organizationID: String) async throws -> ImportRun? {
        try await database.withSession { db in
            try await db.raw("SELECT run FROM imports WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)").first().map {
                try Self.runDecoder.decode(ImportRun.self, from: Data(try $0.decode(column: "run", as: String.self).utf8))
            }
        }
    }

    public func importRuns(organizationID: String, limit: Int) async throws -> [ImportRun] {
        try await database.withSession { db in
            try await db.raw(
                "SELECT run FROM imports WHERE organization_id = \(bind: organizationID) ORDER BY created_at DESC, id DESC LIMIT \(bind: limit)"
            ).all().map { try Self.runDecoder.decode(ImportRun.self, from: Data(try $0.decode(column: "run", as: String.self).utf8)) }
        }
    }

    public func importMapping(organizationID: String, source: String) async throws -> ImportMapping? {
        try await database.withSession { db in
            try await db.raw(
                "SELECT mapping FROM import_mappings WHERE organization_id = \(bind: organizationID) AND source = \(bind: source)"
            ).first().map { try JSONDecoder().decode(ImportMapping.self, from: Data(try $0.decode(column: "mapping", as: String.self).utf8)) }
        }
    }

    public func saveImportMapping(_ mapping: ImportMapping, organizationID: String, source: String, by memberID: String, at now: Date) async throws {
        let text = String(decoding: try JSONEncoder().encode(mapping), as: UTF8.self)
        try await write { db in
            try await db.raw(
                """
                INSERT INTO import_mappings (organization_id, source, mapping, updated_by, updated_at)
                VALUES (\(bind: organizationID), \(bind: source), \(bind: text), \(bind: memberID), \(bind: now.millis))
                ON CONFLICT (organization_id, source) DO UPDATE SET mapping = excluded.mapping, updated_by = excluded.updated_by,
                    updated_at = excluded.updated_at
                """
            ).run()
        }
    }

    /// Every account's id and name, for linking imported rows: a few megabytes even for
    /// 100,000 accounts, read once per import.
    public func accountNames(organizationID: String) async throws -> [(id: String, name: String)] {
        try await database.withSession { db in
            try await db.raw("SELECT id, name FROM accounts WHERE organization_id = \(bind: organizationID)").all().map {
                (try $0.decode(column: "id", as: String.self), try $0.decode(column: "name", as: String.self))
            }
        }
    }

    /// The accounts already linked to a system's imported companies, by their id there: how a
    /// Salesforce case's AccountId finds its account.
    public func importedCompanyLinks(organizationID: String, system: String) async throws -> [String: String] {
        try await database.withSession { db in
            var links: [String: String] = [:]
            for row in try await db.raw(
                """
                SELECT external_id, account_id FROM imported_records
                WHERE organization_id = \(bind: organizationID) AND kind = 'company' AND account_id IS NOT NULL AND source LIKE \(bind: system + ".%")
                """
            ).all() {
                links[try row.decode(column: "external_id", as: String.self)] = try row.decode(column: "account_id", as: String.self)
            }
            return links
        }
    }

    static let importColumns =
        "source, external_id, kind, account_ref, account_id, name, status, priority, owner, due, amount, email, phone, role, body, import_id, file, row_number, imported_at"

    /// Inserts the rows, or updates those already imported from the same source with the same
    /// external id, in multi-row statements and one transaction. A batch must not repeat a key
    /// (PostgreSQL refuses to update one row twice in a statement).
    public func upsertImportedRecords(_ records: [ImportedRecord], organizationID: String) async throws {
        guard !records.isEmpty else { return }
        try await write { db in
            for start in stride(from: 0, to: records.count, by: Self.importBatch) {
                try await db.raw(Self.importInsert(records[start..<min(start + Self.importBatch, records.count)], organizationID: organizationID, upsert: true))
                    .run()
            }
        }
    }

    /// 19 values a row: 19 × 500 stays under either engine's bound-parameter limit.
    public static let importBatch = 500

    /// The multi-row INSERT of `records` (the benchmark's raw baseline uses it without `upsert`).
    public static func importInsert(_ records: ArraySlice<ImportedRecord>, organizationID: String, upsert: Bool) -> SQLQueryString {
        var insert = SQLQueryString("INSERT INTO imported_records (organization_id, \(importColumns)) VALUES ")
        for (i, r) in records.enumerated() {
            if i > 0 { insert += ", " }
            insert += """
                (\(bind: organizationID), \(bind: r.source), \(bind: r.externalID), \(bind: r.kind.rawValue), \(bind: r.accountRef), \(bind: r.accountID),
                 \(bind: r.name), \(bind: r.status), \(bind: r.priority), \(bind: r.owner), \(bind: r.due?.description), \(bind: r.amount), \(bind: r.email),
                 \(bind: r.phone), \(bind: r.role), \(bind: r.body), \(bind: r.provenance.importID), \(bind: r.provenance.file), \(bind: r.provenance.row),
                 \(bind: r.provenance.importedAt.millis))
                """
        }
        if upsert {
            insert += """
                 ON CONFLICT (organization_id, source, external_id) DO UPDATE SET kind = excluded.kind, account_ref = excluded.account_ref,
                    account_id = excluded.account_id, name = excluded.name, status = excluded.status, priority = excluded.priority,
                    owner = excluded.owner, due = excluded.due, amount = excluded.amount, email = excluded.email, phone = excluded.phone,
                    role = excluded.role, body = excluded.body, import_id = excluded.import_id, file = excluded.file,
                    row_number = excluded.row_number, imported_at = excluded.imported_at
                """
        }
        return insert
    }

    /// The account's imported rows: newest import first, then what is due soonest (rows without a
    /// date last), then by kind and name.
    public func importedRecords(accountID: String, organizationID: String, limit: Int) async throws -> [ImportedRecord] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.importColumns) FROM imported_records
                WHERE account_id = \(bind: accountID) AND organization_id = \(bind: organizationID)
                ORDER BY imported_at DESC, (due IS NULL), due, kind, name, external_id LIMIT \(bind: limit)
                """
            ).all().map(Self.decodeImported)
        }
    }

    public func prioritizedWork(accountID: String, organizationID: String, limit: Int) async throws -> [ImportedRecord] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.importColumns) FROM imported_records
                WHERE account_id = \(bind: accountID) AND organization_id = \(bind: organizationID)
                AND kind IN (\(bind: ImportKind.ticket.rawValue), \(bind: ImportKind.task.rawValue)) AND priority IS NOT NULL
                ORDER BY imported_at DESC, external_id LIMIT \(bind: limit)
                """
            ).all().map(Self.decodeImported)
        }
    }

    /// How many rows are stored for the organization (and, with `importID`, last written by that import).
    public func importedRecordCount(organizationID: String, importID: String? = nil) async throws -> Int {
        try await database.withSession { db in
            var query = SQLQueryString("SELECT count(*) AS n FROM imported_records WHERE organization_id = \(bind: organizationID)")
            if let importID { query += " AND import_id = \(bind: importID)" }
            return try await db.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    static func decodeImported(_ row: any SQLRow) throws -> ImportedRecord {
        func text(_ column: String) throws -> String? { try row.decode(column: column, as: String?.self) }
        return ImportedRecord(
            source: try row.decode(column: "source", as: String.self), kind: ImportKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .ticket,
            externalID: try row.decode(column: "external_id", as: String.self), accountRef: try text("account_ref"), accountID: try text("account_id"),
            name: try row.decode(column: "name", as: String.self), status: try text("status"), priority: try text("priority"), owner: try text("owner"),
            due: try text("due").flatMap(CalendarDate.init), amount: try text("amount"), email: try text("email"), phone: try text("phone"),
            role: try text("role"), body: try text("body"),
            provenance: ImportedRecord.Provenance(
                importID: try row.decode(column: "import_id", as: String.self), file: try row.decode(column: "file", as: String.self),
                row: try row.decode(column: "row_number", as: Int.self), importedAt: Date(millis: try row.decode(column: "imported_at", as: Int64.self))))
    }
}
