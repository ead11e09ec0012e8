import ArgumentParser
import Foundation
import HandoverCore
import HandoverServices
import HandoverStore
import HandoverTrust
import SQLKit

struct BenchDeparture: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "departure",
        abstract: "A departure of a member who owns N accounts: dry run and apply, beside the raw inserts of the same rows.",
        discussion: """
            Seeds N accounts (a profile with an overview, two contacts, two open items and tags) \
            owned by one member, with a manager and four colleagues to balance over. Then, \
            through DepartureService, the dry run (read and plan) and the apply (read, plan, \
            build N pre-filled handovers and their events, and write them with their audit \
            entries and the departure in ONE transaction, with an Idempotency-Key and a "*" \
            webhook subscription present, so the departure.applied event is part of it).

            Raw: the same numbers of handover, event and audit rows (the same content JSON) \
            inserted by plain multi-row INSERTs in one transaction into scratch tables of the \
            same shape. Peak RSS is the process's maximum resident set after the apply and its \
            replay (before the raw inserts).

            Targets (release build): <= 10 s SQLite, <= 20 s PostgreSQL, RSS < 500 MB for \
            N = 100,000.

            """
    )

    @Option(help: "Accounts the leaver owns.") var accounts = 100_000
    @Option(help: "A throwaway PostgreSQL database to measure too (default: HANDOVER_TEST_POSTGRES_URL).") var postgres: String?
    @Flag(help: "Measure PostgreSQL alone, so the peak RSS is its own (the process's maximum covers every engine run before).") var skipSqlite = false
    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard accounts > 0 else { throw ValidationError("--accounts must be positive") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("handover-bench-\(Secrets.newID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var results: [String: JSONValue] = [:]
        for (name, location) in try benchEngines(sqlite: folder.appendingPathComponent("departure.sqlite"), postgres: postgres)
        where !(skipSqlite && name == "sqlite") {
            log("\(name): seeding \(accounts) accounts…")
            let f = try await SQLHandoverStore.withStore(location) { try await measure($0) }
            let target = name == "sqlite" ? 10.0 : 20.0
            log(String(format: "  %@: dry run %.2f s (%d lines, %d conflicts)", name, f.preview, f.lines, f.conflicts))
            log(
                String(
                    format: "  %@: apply %.2f s (%d handovers + events + %d audit entries, one transaction); dry run + apply %.2f s (target <= %.0f s)",
                    name, f.apply, f.handovers, f.audit, f.preview + f.apply, target))
            log(String(format: "  %@: raw, the same rows by multi-row INSERT in one transaction: %.2f s; apply/raw %.1fx", name, f.raw, f.apply / f.raw))
            log(String(format: "  %@: replay of the same Idempotency-Key %.3f s; peak RSS %.0f MB (target < 500 MB)", name, f.replay, f.rssMB))
            results[name] = .object([
                "accounts": .number(Double(accounts)), "previewSeconds": .number(f.preview), "applySeconds": .number(f.apply), "rawSeconds": .number(f.raw),
                "replaySeconds": .number(f.replay), "handovers": .number(Double(f.handovers)), "auditEntries": .number(Double(f.audit)),
                "peakRSSMB": .number(f.rssMB.rounded()),
            ])
        }
        if output.format == .json { try output.printJSON(JSONValue.object(results)) }
    }

    struct Figures {
        var preview: Double, apply: Double, raw: Double, replay: Double
        var lines: Int, conflicts: Int, handovers: Int, audit: Int
        var rssMB: Double
    }

    func measure(_ store: SQLHandoverStore) async throws -> Figures {
        let members = MemberService(store: store)
        let tag = Secrets.newID()
        let (_, admin) = try await members.createOrganization(name: "Bench departure", adminEmail: "admin-\(tag)@bench.example", adminName: "Admin", password: nil)
        let org = admin.organizationID
        let manager = try await members.createMember(
            organizationID: org, email: "manager-\(tag)@bench.example", name: "Manager", role: .manager, managerID: nil, password: nil, by: .operator)
        let leaver = try await members.createMember(
            organizationID: org, email: "leaver-\(tag)@bench.example", name: "Leaver", role: .member, managerID: manager.id, password: nil, by: .operator)
        var pool: [String] = []
        for index in 0..<4 {
            pool.append(
                try await members.createMember(
                    organizationID: org, email: "colleague\(index)-\(tag)@bench.example", name: "Colleague \(index)", role: .member, managerID: manager.id,
                    password: nil, by: .operator
                ).id)
        }
        try await seed(store, tag: tag, organizationID: org, ownerID: leaver.id, leaverName: leaver.name)
        let services = Services(store: store, logKeys: try LogKeys(secret: Array(repeating: 42, count: 32)))
        let service = services.departures
        // Every event to one endpoint: the apply's departure.applied delivery is part of what is measured.
        _ = try await services.webhooks.create(url: "https://hooks.bench.example/in", events: [WebhookEventType.wildcard], by: admin)
        let request = DepartureRequest(
            memberID: leaver.id, rules: [DepartureRule(match: .tag, value: "emea", recipientID: pool[0])], balanceAmong: Array(pool.dropFirst()))

        var clock = ContinuousClock.now
        let plan = try await service.preview(request, by: admin)
        let preview = Self.seconds(since: clock)

        clock = ContinuousClock.now
        let key = "bench-\(tag)"
        let answer = try await service.apply(request, idempotencyKey: key, by: admin)
        let apply = Self.seconds(since: clock)
        guard answer.status == 201 else { throw ValidationError("apply answered \(answer.status)") }
        let created = try await store.database.withSession { db in
            try await db.raw("SELECT COUNT(*) AS n FROM handovers WHERE organization_id = \(bind: org)").first()?.decode(column: "n", as: Int.self) ?? 0
        }

        clock = ContinuousClock.now
        let again = try await service.apply(request, idempotencyKey: key, by: admin)
        let replay = Self.seconds(since: clock)
        guard again.replayed, again.body == answer.body else { throw ValidationError("the replay differs") }

        let auditSize = try await store.auditSize(organizationID: org)
        let rss = Self.peakRSSMegabytes()
        let raw = try await rawInsert(store, plan: plan, leaver: leaver)
        return Figures(
            preview: preview, apply: apply, raw: raw, replay: replay, lines: plan.lines.count, conflicts: plan.conflicts.count,
            handovers: created, audit: auditSize, rssMB: rss)
    }

    /// N accounts by multi-row INSERT (the seeding is not what is measured).
    /// Ids carry the run's `tag`: a database an earlier run measured still has its accounts.
    func seed(_ store: SQLHandoverStore, tag: String, organizationID: String, ownerID: String, leaverName: String) async throws {
        let now = Date()
        let count = accounts
        try await store.database.transaction { db in
            for start in stride(from: 0, to: count, by: 400) {
                var accountRows = SQLQueryString(
                    "INSERT INTO accounts (id, organization_id, name, kind, owner_id, profile, next_due, version, created_at, updated_at) VALUES ")
                var owners = SQLQueryString("INSERT INTO account_owners (account_id, owner_id, owned_from) VALUES ")
                for index in start..<min(start + 400, count) {
                    let id = "bench-\(tag)-" + String(format: "%07d", index)
                    let profile = AccountProfile(
                        overview: "Customer \(index) runs 40 stores on scheduling; payroll pilot in three.",
                        contacts: [
                            Contact(name: "Jo Park \(index)", role: "CFO", email: "jo\(index)@customer.example", preference: "short emails"),
                            Contact(name: "Al Roe \(index)", role: "IT lead", phone: "+1 555 0100"),
                        ],
                        openItems: [
                            OpenItem(title: "Renewal call", owner: leaverName, due: CalendarDate("2031-03-01")),
                            OpenItem(title: "Payroll rollout", owner: "Rita", due: CalendarDate("2031-05-01")),
                        ],
                        historyNotes: [HistoryNote(date: CalendarDate("2025-01-10")!, text: "Signed a three-year deal.")],
                        renewalDate: CalendarDate("2031-06-30"), tags: index % 4 == 0 ? ["emea"] : ["amer"])
                    let kind: AccountKind = index % 10 == 0 ? .project : .customer
                    if index > start {
                        accountRows += ", "
                        owners += ", "
                    }
                    accountRows += """
                        (\(bind: id), \(bind: organizationID), \(bind: "Customer \(index)"), \(bind: kind.rawValue), \(bind: ownerID),
                         \(bind: try encodeJSON(profile)), \(bind: "2031-03-01"), 1, \(bind: now.millis), \(bind: now.millis))
                        """
                    owners += "(\(bind: id), \(bind: ownerID), \(bind: now.millis))"
                }
                try await db.raw(accountRows).run()
                try await db.raw(owners).run()
            }
        }
    }

    /// The same rows as the apply (handovers with the same content, their events, one audit
    /// entry each) by plain multi-row INSERTs in one transaction, into scratch tables of the same
    /// shape: no planning, no hashing, no checks.
    func rawInsert(_ store: SQLHandoverStore, plan: DeparturePlan, leaver: Member) async throws -> Double {
        try await store.database.transaction { db in
            for table in ["handovers", "handover_events", "audit_entries"] {
                // A database an earlier run measured still has its scratch tables.
                try await db.raw("DROP TABLE IF EXISTS raw_\(unsafeRaw: table)").run()
                try await db.raw("CREATE TABLE raw_\(unsafeRaw: table) AS SELECT * FROM \(unsafeRaw: table) WHERE 1 = 0").run()
            }
        }
        // Whole accounts, read before the clock starts: the raw rows carry the same pre-filled packets as the apply's.
        let accounts = try await store.database.withSession { db in
            try await db.raw(
                "SELECT id, name, kind, profile FROM accounts WHERE organization_id = \(bind: leaver.organizationID) AND owner_id = \(bind: leaver.id) ORDER BY name, id"
            ).all().map { row in
                Account(
                    id: try row.decode(column: "id", as: String.self), organizationID: leaver.organizationID, name: try row.decode(column: "name", as: String.self),
                    kind: AccountKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .customer, ownerID: leaver.id,
                    profile: try JSONDecoder().decode(AccountProfile.self, from: Data(try row.decode(column: "profile", as: String.self).utf8)), createdAt: Date(),
                    updatedAt: Date())
            }
        }
        let start = ContinuousClock.now
        let now = Date().millis
        let org = leaver.organizationID
        try await store.database.transaction { db in
            var seq = 0
            for chunk in stride(from: 0, to: accounts.count, by: 500) {
                let slice = accounts[chunk..<min(chunk + 500, accounts.count)]
                var handovers = SQLQueryString(
                    """
                    INSERT INTO raw_handovers (id, organization_id, account_id, template_key, template_version, transferor_id, recipient_id,
                        state, content, version, created_at, updated_at) VALUES
                    """)
                var events = SQLQueryString(
                    "INSERT INTO raw_handover_events (id, handover_id, organization_id, actor_id, event, handover_version, from_state, to_state, note, at) VALUES ")
                var audit = SQLQueryString("INSERT INTO raw_audit_entries (organization_id, seq, at, actor, action, target, request, digest, leaf_hash) VALUES ")
                for (offset, account) in slice.enumerated() {
                    let id = "raw-h-\(account.id)"
                    let key = TemplateLibrary.defaultKey(for: account.kind)
                    let content = try encodeJSON(DeparturePlanner.prefill(account: account, templateKey: key, leaver: leaver, recipientName: "Colleague"))
                    if offset > 0 {
                        handovers += ", "
                        events += ", "
                        audit += ", "
                    }
                    handovers += """
                        (\(bind: id), \(bind: org), \(bind: account.id), \(bind: key), 1, \(bind: leaver.id), \(bind: leaver.id), 'draft',
                         \(bind: content), 1, \(bind: now), \(bind: now))
                        """
                    events += "(\(bind: "raw-e-" + account.id), \(bind: id), \(bind: org), \(bind: leaver.id), 'create', 1, NULL, 'draft', NULL, \(bind: now))"
                    audit += """
                        (\(bind: org), \(bind: seq), \(bind: now), \(bind: leaver.id), 'handover.create', \(bind: "handover:" + id), '', \(bind: String(repeating: "0", count: 64)),
                         \(bind: String(repeating: "0", count: 64)))
                        """
                    seq += 1
                }
                try await db.raw(handovers).run()
                try await db.raw(events).run()
                try await db.raw(audit).run()
            }
        }
        return Self.seconds(since: start)
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
    }

    func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}

/// Sorted keys, as the store writes JSON, so the raw rows are the same bytes.
private func encodeJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
