import Foundation
import HandoverCore
import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import HandoverWire
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Imports on both engines, through the service and its job as the server runs them: good rows
/// land linked to their accounts with their provenance, bad rows are reported where a person
/// finds them, re-importing updates instead of duplicating, strict imports nothing, and only
/// admins import while another organization sees nothing.
@Suite struct ImportTests {
    struct Setup {
        var store: SQLHandoverStore
        var services: Services
        var org: OrgFixture
        var account: Account
        var folder: String
    }

    static func setup(_ engine: String) async throws -> Setup {
        let store = try await TestDatabases.store(engine)
        let org = try await OrgFixture.make(in: store)
        let account = try await org.account(org.alice, in: store, name: "Northwind Clinics")
        let folder = NSTemporaryDirectory() + "handover-import-test-" + UUID().uuidString
        let services = Services(store: store, logKeys: try LogKeys(secret: Array(repeating: 9, count: 32)), imports: ImportSettings(directory: folder))
        return Setup(store: store, services: services, org: org, account: account, folder: folder)
    }

    static func file(_ name: String) throws -> String {
        String(
            decoding: try Data(
                contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data/imports/\(name)")),
            as: UTF8.self)
    }

    /// The bytes in small chunks, as a slow upload would bring them.
    static func chunks(_ text: String) -> AsyncStream<[UInt8]> {
        let bytes = Array(text.utf8)
        return AsyncStream { continuation in
            for start in stride(from: 0, to: bytes.count, by: 37) { continuation.yield(Array(bytes[start..<min(start + 37, bytes.count)])) }
            continuation.finish()
        }
    }

    /// Uploads and runs the import's job to its end, as the job runner would.
    @discardableResult
    static func importFile(_ s: Setup, _ name: String, text: String? = nil, request: ImportRequest? = nil) async throws -> ImportRun {
        let run = try await s.services.imports.upload(request ?? ImportRequest(fileName: name), body: chunks(try text ?? file(name)), by: s.org.admin)
        try await runJobs(s)
        return try await s.services.imports.run(id: run.id, by: s.org.admin)
    }

    /// Runs the organization's import jobs until none is left queued. Tests share one PostgreSQL
    /// database, so another test's claim may hold this one's job for a moment: look again.
    static func claim(_ store: SQLHandoverStore, _ organizationID: String) async throws -> [Job] {
        for _ in 0..<200 {
            let jobs = try await store.claimOwnJobs(organizationID: organizationID, kinds: [JobKind.importRun], at: Date())
            if !jobs.isEmpty { return jobs }
            try await Task.sleep(for: .milliseconds(50))
        }
        return []
    }

    static func runJobs(_ s: Setup) async throws {
        for _ in 0..<200 {
            for job in try await s.store.claimOwnJobs(organizationID: s.org.organization.id, kinds: [JobKind.importRun], at: Date()) {
                try await s.services.imports.execute(job)
                _ = try await s.store.completeJob(id: job.id, runner: job.lockedBy ?? "", at: Date())
            }
            let waiting = try await s.services.imports.runs(by: s.org.admin).filter { $0.state == .queued || $0.state == .running }
            if waiting.isEmpty { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("an import job never ran")
    }

    @Test(arguments: TestDatabases.engines) func goodRowsLandLinkedWithProvenanceAndBadRowsAreReported(engine: String) async throws {
        let s = try await Self.setup(engine)
        defer { Task { try? await s.store.database.close() } }
        let run = try await Self.importFile(s, "zendesk-tickets.csv")
        #expect(run.state == .done, "\(run.error ?? "")")
        #expect(run.source == "zendesk.ticket")
        #expect(run.rowsRead == 6 && run.rowsImported == 4 && run.rowsBad == 2 && run.rowsUnlinked == 1)
        // Rows as a spreadsheet numbers them: the header is 1, the quoted line break is inside row 2.
        #expect(run.problems.map(\.row) == [5, 6])
        #expect(run.problems.map(\.column) == ["Id", "Due date"])
        let records = try await s.services.imports.records(accountID: s.account.id, by: s.org.bob)
        #expect(Set(records.map(\.externalID)) == ["101", "102", "106"])
        let outage = try #require(records.first { $0.externalID == "101" })
        #expect(outage.name == "Gateway outage, second time" && outage.status == "open" && outage.priority == "urgent" && outage.owner == "Tom Hart")
        #expect(outage.due?.description == "2026-12-20" && outage.body == "The SMS gateway dropped messages.\nTwice this week.")
        #expect(outage.provenance.file == "zendesk-tickets.csv" && outage.provenance.row == 2 && outage.provenance.importID == run.id)
        #expect(records.first { $0.externalID == "102" }?.due?.description == "2026-12-22")  // month-first, name matched despite case and space
        // The audit log says what was imported, and the upload is gone.
        let entries = try await s.store.auditEntries(organizationID: s.org.organization.id, targets: ["import:\(run.id)"])
        #expect(entries.map(\.entry.action) == ["import.run"])
        #expect(!FileManager.default.fileExists(atPath: s.services.imports.uploadPath(run.id)))
    }

    @Test(arguments: TestDatabases.engines) func reimportingUpdatesInsteadOfDuplicating(engine: String) async throws {
        let s = try await Self.setup(engine)
        defer { Task { try? await s.store.database.close() } }
        let first = try await Self.importFile(s, "zendesk-tickets.csv")
        let changed = try Self.file("zendesk-tickets.csv").replacingOccurrences(of: ",pending,normal,", with: ",solved,normal,")
        let upload = try await s.services.imports.upload(ImportRequest(fileName: "zendesk-tickets.csv"), body: Self.chunks(changed), by: s.org.admin)
        let job = try #require(try await Self.claim(s.store, s.org.organization.id).first)
        try await s.services.imports.execute(job)
        let second = try await s.services.imports.run(id: upload.id, by: s.org.admin)
        #expect(second.state == .done && second.rowsImported == first.rowsImported)
        #expect(try await s.store.importedRecordCount(organizationID: s.org.organization.id, importID: nil) == 4)
        let records = try await s.services.imports.records(accountID: s.account.id, by: s.org.alice)
        #expect(records.first { $0.externalID == "102" }?.status == "solved")
        #expect(records.allSatisfy { $0.provenance.importID == second.id })
        // The same job run again (a runner killed after its writes, the lease run out) finds the
        // run finished and changes nothing.
        try await s.services.imports.execute(job)
        #expect(try await s.store.importedRecordCount(organizationID: s.org.organization.id, importID: nil) == 4)
        #expect(try await s.services.imports.run(id: upload.id, by: s.org.admin) == second)
    }

    @Test(arguments: TestDatabases.engines) func aStrictImportWithABadRowImportsNothing(engine: String) async throws {
        let s = try await Self.setup(engine)
        defer { Task { try? await s.store.database.close() } }
        let run = try await Self.importFile(s, "zendesk-tickets.csv", request: ImportRequest(fileName: "zendesk-tickets.csv", strict: true))
        #expect(run.state == .failed && run.rowsBad == 2 && run.rowsImported == 0)
        #expect(run.error?.contains("nothing was imported") == true)
        #expect(try await s.store.importedRecordCount(organizationID: s.org.organization.id, importID: nil) == 0)
        let clean = try Self.file("zendesk-tickets.csv").split(separator: "\n", omittingEmptySubsequences: false).filter {
            !$0.hasPrefix(",Raj") && !$0.hasPrefix("105,")
        }.joined(separator: "\n")
        let strict = try await Self.importFile(s, "clean.csv", text: clean, request: ImportRequest(fileName: "clean.csv", strict: true))
        #expect(strict.state == .done && strict.rowsImported == 4 && strict.rowsBad == 0)
    }

    @Test(arguments: TestDatabases.engines) func casesFindTheirAccountThroughImportedCompanies(engine: String) async throws {
        let s = try await Self.setup(engine)
        defer { Task { try? await s.store.database.close() } }
        let companies = try await Self.importFile(s, "salesforce-accounts.csv")
        #expect(companies.source == "salesforce.account" && companies.rowsImported == 2 && companies.rowsUnlinked == 1)
        let cases = try await Self.importFile(s, "salesforce-cases.csv")
        #expect(cases.source == "salesforce.case" && cases.rowsImported == 2 && cases.rowsUnlinked == 1)
        let records = try await s.services.imports.records(accountID: s.account.id, by: s.org.alice)
        #expect(Set(records.map(\.externalID)) == ["001A", "500A"])
        #expect(records.first { $0.externalID == "500A" }?.kind == .ticket)
    }

    @Test(arguments: TestDatabases.engines) func jiraJSONIsReadFromItsAPIPage(engine: String) async throws {
        let s = try await Self.setup(engine)
        defer { Task { try? await s.store.database.close() } }
        let run = try await Self.importFile(s, "jira-issues.json")
        #expect(run.format == .json && run.source == "jira.issue" && run.rowsEstimated == 2)
        #expect(run.state == .done && run.rowsImported == 2 && run.rowsUnlinked == 0, "\(run.problems) \(run.error ?? "")")
        let records = try await s.services.imports.records(accountID: s.account.id, by: s.org.alice)
        let first = try #require(records.first { $0.externalID == "NW-1" })
        #expect(first.status == "In Progress" && first.due?.description == "2027-01-15" && first.owner == "tom@example.com" && first.kind == .task)
    }

    @Test(arguments: TestDatabases.engines) func aMappingIsReviewedSavedAndReused(engine: String) async throws {
        let s = try await Self.setup(engine)
        defer { Task { try? await s.store.database.close() } }
        let text = "Ref,Customer,Title,Stage\nX1,Northwind Clinics,Pilot,Won\n"
        // Unknown headers: refused at once when asked to run, with nothing left behind.
        await #expect(throws: HandoverError.self) { try await s.services.imports.upload(ImportRequest(fileName: "odd.csv"), body: Self.chunks(text), by: s.org.admin) }
        #expect(try await s.services.imports.runs(by: s.org.admin).isEmpty)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: s.folder).filter { $0.hasSuffix(".upload") }) ?? [] == [])
        // Left for review, then started with the columns a person chose.
        let review = try await s.services.imports.upload(ImportRequest(fileName: "odd.csv", review: true), body: Self.chunks(text), by: s.org.admin)
        #expect(review.state == .review && review.source == nil && review.headers == ["Ref", "Customer", "Title", "Stage"])
        await #expect(throws: HandoverError.self) { try await s.services.imports.start(id: review.id, source: nil, mapping: nil, strict: nil, by: s.org.admin) }
        let mapping = ImportMapping(columns: [.externalID: ["Ref"], .account: ["Customer"], .name: ["Title"], .status: ["Stage"]])
        await #expect(throws: HandoverError.self) {
            try await s.services.imports.start(id: review.id, source: "hubspot.deal", mapping: mapping, strict: nil, by: s.org.alice)
        }
        // Ten admins' tabs start it at once: one starts it, the others are told it already started.
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<10 {
                group.addTask { (try? await s.services.imports.start(id: review.id, source: "hubspot.deal", mapping: mapping, strict: nil, by: s.org.admin)) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try await s.services.imports.run(id: review.id, by: s.org.admin).state == .queued)
        await #expect(throws: HandoverError.self) { try await s.services.imports.start(id: review.id, source: nil, mapping: nil, strict: nil, by: s.org.admin) }
        try await Self.runJobs(s)
        #expect(try await s.services.imports.run(id: review.id, by: s.org.admin).rowsImported == 1)
        // The next export of that source is mapped as saved, with no choices to make.
        let again = try await Self.importFile(
            s, "odd.csv", text: text + "X2,Northwind Clinics,Phase two,Open\n", request: ImportRequest(fileName: "odd.csv", source: "hubspot.deal"))
        #expect(again.mapping == mapping && again.rowsImported == 2 && again.state == .done)
    }

    @Test(arguments: TestDatabases.engines) func onlyAdminsImportAndOtherOrganizationsSeeNothing(engine: String) async throws {
        let s = try await Self.setup(engine)
        defer { Task { try? await s.store.database.close() } }
        let run = try await Self.importFile(s, "zendesk-tickets.csv")
        for member in [s.org.alice, s.org.manager, s.org.auditor] {
            await #expect(throws: HandoverError.self) {
                try await s.services.imports.upload(ImportRequest(fileName: "t.csv"), body: Self.chunks("Id\n1\n"), by: member)
            }
        }
        await #expect(throws: HandoverError.self) { try await s.services.imports.run(id: run.id, by: s.org.alice) }
        #expect(try await s.services.imports.run(id: run.id, by: s.org.auditor).id == run.id)
        let other = try await OrgFixture.make(in: s.store, name: "Other")
        await #expect(throws: StoreError.self) { try await s.services.imports.run(id: run.id, by: other.admin) }
        await #expect(throws: StoreError.self) { try await s.services.imports.records(accountID: s.account.id, by: other.admin) }
        #expect(try await s.services.imports.runs(by: other.admin).isEmpty)
        // Another organization's account of the same name is never linked to.
        let theirs = try await other.account(other.alice, in: s.store, name: "Northwind Clinics")
        #expect(try await s.services.imports.records(accountID: theirs.id, by: other.admin).isEmpty)
    }

    @Test(arguments: TestDatabases.engines) func hostileFilesAreReportedNotCrashedOn(engine: String) async throws {
        let s = try await Self.setup(engine)
        defer { Task { try? await s.store.database.close() } }
        let request = ImportRequest(fileName: "x.csv", source: "zendesk.ticket", mapping: ["externalId=Id"])
        // Not UTF-8 after the first rows: the good rows before it are kept and the run says where it stopped.
        var bytes = Array("Id,Subject\n1,Fine\n2,Also fine\n".utf8)
        bytes += [0x33, 0x2C, 0xFF, 0xFE, 0x0A]
        let upload = try await s.services.imports.upload(
            request,
            body: AsyncStream {
                $0.yield(bytes); $0.finish()
            }, by: s.org.admin)
        try await Self.runJobs(s)
        let run = try await s.services.imports.run(id: upload.id, by: s.org.admin)
        #expect(run.state == .failed && run.error?.contains("not UTF-8") == true, "\(run)")
        // An empty body, a broken JSON file, a name with a slash: refused with the field named.
        await #expect(throws: HandoverError.self) { try await s.services.imports.upload(request, body: Self.chunks(""), by: s.org.admin) }
        await #expect(throws: HandoverError.self) {
            try await s.services.imports.upload(ImportRequest(fileName: "x.json", source: "jira.issue"), body: Self.chunks("{\"issues\": [{\"key\":"), by: s.org.admin)
        }
        await #expect(throws: HandoverError.self) {
            try await s.services.imports.upload(ImportRequest(fileName: "../x.csv"), body: Self.chunks("Id\n1\n"), by: s.org.admin)
        }
        // A repeated id in one file: the later row wins (PostgreSQL would refuse both in one statement).
        let twice = try await Self.importFile(s, "t.csv", text: "Id,Subject,Organization\n7,First,Northwind Clinics\n7,Second,Northwind Clinics\n", request: request)
        #expect(twice.state == .done && twice.rowsImported == 2)
        let names = try await s.services.imports.records(accountID: s.account.id, by: s.org.admin).map(\.name)
        #expect(names == ["Second"])
    }

    @Test(arguments: TestDatabases.engines) func importsRunSideBySideAndARunCutShortStartsAgain(engine: String) async throws {
        let s = try await Self.setup(engine)
        defer { Task { try? await s.store.database.close() } }
        // Two exports of 3,000 rows each (two steps and more), their jobs run at once.
        func export(_ prefix: String) -> String {
            "Id,Subject,Status,Organization\n" + (0..<3_000).map { "\(prefix)\($0),Ticket \($0),open,Northwind Clinics\n" }.joined()
        }
        let a = try await s.services.imports.upload(ImportRequest(fileName: "a.csv", source: "zendesk.ticket"), body: Self.chunks(export("A")), by: s.org.admin)
        let b = try await s.services.imports.upload(ImportRequest(fileName: "b.csv", source: "zendesk.ticket"), body: Self.chunks(export("B")), by: s.org.admin)
        var jobs: [Job] = []
        while jobs.count < 2 { jobs += try await Self.claim(s.store, s.org.organization.id) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for job in jobs { group.addTask { try await s.services.imports.execute(job) } }
            try await group.waitForAll()
        }
        for id in [a.id, b.id] {
            let run = try await s.services.imports.run(id: id, by: s.org.admin)
            #expect(run.state == .done && run.rowsImported == 3_000 && run.rowsUnlinked == 0, "\(run.error ?? "")")
        }
        #expect(try await s.store.importedRecordCount(organizationID: s.org.organization.id, importID: nil) == 6_000)
        // A run left `running` with half its counts (its process killed mid-file, its upload still
        // there) is started again from the top by its job's next attempt: same rows, no duplicates.
        let c = try await s.services.imports.upload(ImportRequest(fileName: "a.csv", source: "zendesk.ticket"), body: Self.chunks(export("A")), by: s.org.admin)
        let job = try #require(try await Self.claim(s.store, s.org.organization.id).first)
        var cut = try await s.services.imports.run(id: c.id, by: s.org.admin)
        (cut.state, cut.rowsRead, cut.rowsImported, cut.startedAt) = (.running, 1_500, 1_500, Date())
        try await s.store.saveImport(cut, enqueue: nil, audit: nil)
        try await s.services.imports.execute(job)
        let again = try await s.services.imports.run(id: c.id, by: s.org.admin)
        #expect(again.state == .done && again.rowsRead == 3_000 && again.rowsImported == 3_000)
        #expect(try await s.store.importedRecordCount(organizationID: s.org.organization.id, importID: nil) == 6_000)
    }

    @Test(arguments: TestDatabases.engines) func theAPIAndTheWebCarryImports(engine: String) async throws {
        let folder = NSTemporaryDirectory() + "handover-import-api-" + UUID().uuidString
        let f = try await APIFixture.make(engine) { $0.attachmentsDirectory = folder }
        let account = try await f.org.account(f.org.alice, in: f.store, name: "Northwind Clinics")
        let text = try Self.file("zendesk-tickets.csv")
        try await f.test { client in
            var headers = f.headers(f.org.admin, json: false)
            headers[.contentType] = "text/csv"
            let created = try await client.execute(uri: "/api/v1/imports?name=tickets.csv&strict=false", method: .post, headers: headers, body: ByteBuffer(string: text))
            {
                #expect($0.status == .created, "\(String(buffer: $0.body))")
                #expect($0.headers[.location]?.hasPrefix("/api/v1/imports/") == true)
                return try $0.decode(ImportResponse.self)
            }
            #expect(created.state == .queued && created.source == "zendesk.ticket" && created.kind == .ticket)
            try await client.execute(uri: "/api/v1/imports?name=t.csv&strict=maybe", method: .post, headers: headers, body: ByteBuffer(string: text)) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/imports", method: .post, headers: headers, body: ByteBuffer(string: text)) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/v1/imports?name=t.csv&map=colour%3DRed", method: .post, headers: headers, body: ByteBuffer(string: text)) {
                #expect($0.status == .unprocessableContent)
                #expect($0.problem?.errors?.first?.path == "map")
            }
            var alice = f.headers(f.org.alice, json: false)
            alice[.contentType] = "text/csv"
            try await client.execute(uri: "/api/v1/imports?name=t.csv", method: .post, headers: alice, body: ByteBuffer(string: text)) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/imports?name=t.csv", method: .post, body: ByteBuffer(string: text)) { #expect($0.status == .unauthorized) }
            // The job, as the server's runner would run it.
            let services = HandoverApplication.services(store: f.store, configuration: f.configuration)
            for job in try await Self.claim(f.store, f.org.organization.id) {
                try await services.imports.execute(job)
            }
            let done = try await client.execute(uri: "/api/v1/imports/\(created.id)", method: .get, headers: f.headers(f.org.auditor)) {
                #expect($0.status == .ok)
                return try $0.decode(ImportResponse.self)
            }
            #expect(done.state == .done && done.rowsImported == 4 && done.rowsBad == 2 && done.rowsPerSecond != nil)
            try await client.execute(uri: "/api/v1/imports/\(created.id)", method: .get, headers: f.headers(f.other.admin)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/imports/\(created.id)", method: .get, headers: f.headers(f.org.alice)) { #expect($0.status == .forbidden) }
            let listed = try await client.execute(uri: "/api/v1/imports", method: .get, headers: f.headers(f.org.admin)) {
                try $0.decode(ListResponse<ImportResponse>.self).items
            }
            #expect(listed.map(\.id) == [created.id])
            let imported = try await client.execute(uri: "/api/v1/accounts/\(account.id)/imported", method: .get, headers: f.headers(f.org.bob)) {
                try $0.decode(ListResponse<ImportedRecord>.self).items
            }
            #expect(imported.count == 3)
            try await client.execute(uri: "/api/v1/accounts/\(account.id)/imported", method: .get, headers: f.headers(f.other.admin)) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/imports/\(created.id)/start", method: .post, headers: f.headers(f.org.admin), body: body("{}")) {
                #expect($0.status == .conflict)
            }
            try await client.execute(
                uri: "/api/v1/imports/\(created.id)/start", method: .post, headers: f.headers(f.org.admin), body: body(#"{"mapping":{"colour":["x"]}}"#)
            ) {
                #expect($0.status == .badRequest)
            }
        }
    }
}
