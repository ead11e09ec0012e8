import Foundation
import HandoverCore
import HandoverStore
import HandoverTestSupport
import Testing

/// The next-due backfill is a numbered migration: it fills accounts written before `next_due`
/// existed, once, and opening the store later does not run it again.
@Suite struct NextDueMigrationTests {
    @Test(arguments: TestDatabases.engines) func theMigrationFillsOlderAccountsOnce(engine: String) async throws {
        if engine == "postgres" {
            try await TestDatabases.withScratchPostgresDatabase { url in try await check(.postgres(url: url)) }
        } else {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("handover-next-due-\(UUID().uuidString)")
            try await check(.sqlite(path: folder.appendingPathComponent("old.sqlite").path))
        }
    }

    private func check(_ location: DatabaseLocation) async throws {
        let backfill = try #require(Migrations.all.first { $0.name == Migrations.nextDueBackfillName })
        // A database as it was before the backfill, with the tables later writes need (the jobs
        // table, which every audited write enqueues into).
        let database = try await Database.open(location)
        try await Migrations.apply(to: database, migrations: Migrations.all.filter { $0.version != backfill.version })
        let store = SQLHandoverStore(database: database)
        let org = try await OrgFixture.make(in: store)
        let now = Date(millis: Date().millis)
        func account(_ name: String, _ items: [OpenItem]) async throws -> Account {
            let account = Account(
                id: UUID().uuidString.lowercased(), organizationID: org.organization.id, name: name, kind: .customer,
                ownerID: org.alice.id, profile: AccountProfile(openItems: items), createdAt: now, updatedAt: now)
            try await store.createAccount(account, by: AuditActor(member: org.alice.id))
            return account
        }
        let due = try await account(
            "Due",
            [
                OpenItem(title: "Renewal call", due: CalendarDate("2026-05-01")),
                OpenItem(title: "Invoice", due: CalendarDate("2026-03-15")), OpenItem(title: "Someday"),
            ])
        let undated = try await account("Undated", [OpenItem(title: "Someday")])
        // As written before the column existed.
        try await database.transaction { db in try await db.raw("UPDATE accounts SET next_due = NULL").run() }
        #expect(try await nextDue(due.id, database) == nil)

        #expect(try await Migrations.apply(to: database).contains(backfill.version))
        #expect(try await nextDue(due.id, database) == "2026-03-15")
        #expect(try await nextDue(undated.id, database) == nil)
        let overdue = try await store.overdueAccounts(
            ownerID: org.alice.id, organizationID: org.organization.id, before: try #require(CalendarDate("2026-04-01")), limit: 10)
        #expect(overdue.accounts.map(\.id) == [due.id])

        // Opening again neither re-applies it nor backfills on its own: a row cleared now stays clear.
        try await database.transaction { db in try await db.raw("UPDATE accounts SET next_due = NULL WHERE id = \(bind: due.id)").run() }
        try await database.close()
        let reopened = try await SQLHandoverStore.open(location)
        #expect(try await Migrations.apply(to: reopened.database) == [])
        #expect(try await nextDue(due.id, reopened.database) == nil)
        try await reopened.database.close()
    }

    private func nextDue(_ id: String, _ database: Database) async throws -> String? {
        try await database.withSession { db in
            try await db.raw("SELECT next_due FROM accounts WHERE id = \(bind: id)").first()?.decode(column: "next_due", as: String?.self)
        }
    }
}
