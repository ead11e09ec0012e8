import Foundation
import HandoverCore
import Testing

/// The pure half of imports: which export a header row is, which columns feed which field, the
/// value formats exports use, and JSON exports cut into records however the bytes arrive.
@Suite struct ImportFormatTests {
    /// Header rows as the tools write them (trimmed to their first columns).
    static let headers: [(String, [String])] = [
        ("salesforce.account", ["Id", "IsDeleted", "Name", "Type", "ParentId", "BillingCity", "Phone", "Industry", "AnnualRevenue", "OwnerId", "Description"]),
        ("salesforce.contact", ["Id", "AccountId", "LastName", "FirstName", "Name", "Title", "Phone", "Email", "OwnerId"]),
        ("salesforce.opportunity", ["Id", "AccountId", "Name", "Description", "StageName", "Amount", "CloseDate", "Type", "OwnerId", "IsClosed"]),
        ("salesforce.task", ["Id", "WhoId", "WhatId", "Subject", "ActivityDate", "Status", "Priority", "OwnerId", "Description", "AccountId"]),
        ("salesforce.case", ["Id", "CaseNumber", "ContactId", "AccountId", "Origin", "Status", "Subject", "Priority", "Description", "OwnerId"]),
        ("hubspot.company", ["Record ID", "Company name", "Company owner", "Create Date", "Phone Number", "Company Domain Name", "Industry"]),
        ("hubspot.contact", ["Record ID", "First Name", "Last Name", "Email", "Phone Number", "Contact owner", "Associated Company", "Job Title"]),
        ("hubspot.deal", ["Record ID", "Deal Name", "Deal Stage", "Close Date", "Deal owner", "Amount", "Pipeline", "Associated Company"]),
        ("hubspot.ticket", ["Ticket ID", "Ticket name", "Pipeline", "Ticket status", "Create date", "Ticket owner", "Priority", "Ticket description"]),
        ("zendesk.ticket", ["Id", "Requester", "Requester id", "Assignee", "Group", "Subject", "Tags", "Status", "Priority", "Via", "Organization", "Due date"]),
        ("zendesk.ticket", ["assignee_id", "description", "due_at", "id", "organization_id", "priority", "requester_id", "status", "subject"]),
        ("jira.issue", ["Summary", "Issue key", "Issue id", "Issue Type", "Status", "Project key", "Project name", "Priority", "Assignee", "Due date"]),
        ("jira.issue", ["id", "key", "fields.summary", "fields.status.name", "fields.issuetype.name", "fields.priority.name", "fields.duedate"]),
    ]

    @Test func everyKnownExportIsRecognizedFromItsHeaders() {
        for (expected, headers) in Self.headers {
            #expect(ImportSource.recognize(headers: headers)?.id == expected, "\(headers)")
        }
    }

    @Test func aStrangersFileIsNotGuessedAt() {
        #expect(ImportSource.recognize(headers: ["When", "Who", "What"]) == nil)
        #expect(ImportSource.recognize(headers: ["Id", "Name"]) == nil)
        #expect(ImportSource.recognize(headers: []) == nil)
    }

    @Test func suggestionsUseTheFilesOwnSpellingAndJoinNames() throws {
        let contact = try #require(ImportSource.named("hubspot.contact"))
        let mapping = contact.suggestedMapping(headers: Self.headers[6].1)
        #expect(mapping.columns[.name] == ["First Name", "Last Name"])
        #expect(mapping.columns[.externalID] == ["Record ID"])
        #expect(mapping.columns[.account] == ["Associated Company"])
        #expect(mapping.problems(headers: Self.headers[6].1).isEmpty)
        let jira = try #require(ImportSource.named("jira.issue"))
        let fromJSON = jira.suggestedMapping(headers: Self.headers[12].1)
        #expect(fromJSON.columns[.externalID] == ["key"])
        #expect(fromJSON.columns[.status] == ["fields.status.name"])
    }

    @Test func mappingPairsParseValidateAndRoundTrip() throws {
        let base = ImportMapping(columns: [.externalID: ["Id"], .name: ["Subject"]])
        let mapping = try ImportMapping.parse(["name=First Name+Last Name", "owner=Assignee", "name2="].dropLast(), over: base)
        #expect(mapping.columns[.name] == ["First Name", "Last Name"])
        #expect(mapping.columns[.externalID] == ["Id"])
        #expect(try ImportMapping.parse(mapping.pairs, over: ImportMapping()) == mapping)
        #expect(try ImportMapping.parse(["name="], over: base).columns[.name] == nil)
        #expect(throws: HandoverError.self) { try ImportMapping.parse(["colour=Red"], over: base) }
        #expect(throws: HandoverError.self) { try ImportMapping.parse(["no equals sign"], over: base) }
        let problems = ImportMapping(columns: [.name: ["Nope"]]).problems(headers: ["Id"])
        #expect(problems.map(\.path) == ["mapping.externalId", "mapping.name"])
        let json = try JSONEncoder().encode(mapping)
        #expect(try JSONDecoder().decode(ImportMapping.self, from: json) == mapping)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ImportMapping.self, from: Data(#"{"colour":["x"]}"#.utf8)) }
    }

    @Test func datesInTheFormatsExportsUse() {
        let cases: [(String, String?)] = [
            ("2026-05-01", "2026-05-01"), ("2026-05-01T09:30:00Z", "2026-05-01"), ("2026-05-01T09:30:00.000+0200", "2026-05-01"),
            ("2026-05-01 09:30", "2026-05-01"), ("5/1/2026", "2026-05-01"), ("05/01/2026 9:30 AM", "2026-05-01"), ("25/12/2026", "2026-12-25"),
            ("01/May/26 9:30 AM", "2026-05-01"), ("1 May 2026", "2026-05-01"), ("2026-02-30", nil), ("13/13/2026", nil), ("soon", nil), ("", nil),
        ]
        for (text, expected) in cases { #expect(ImportValues.date(text)?.description == expected, "\(text)") }
    }

    @Test func amountsLoseTheirCurrencyAndSeparators() {
        let cases: [(String, String?)] = [
            ("12500", "12500"), ("12,500.50", "12500.50"), ("$12,500.50", "12500.50"), ("EUR 12500", "12500"), ("-40", "-40"),
            ("12.5.1", nil), ("lots", nil), ("", nil), ("1e9", nil),
        ]
        for (text, expected) in cases { #expect(ImportValues.amount(text) == expected, "\(text)") }
    }

    @Test func aRowBecomesARecordOrItsEveryReason() throws {
        let source = try #require(ImportSource.named("salesforce.opportunity"))
        let headers = Self.headers[2].1
        let reader = ImportRowReader(source: source, mapping: source.suggestedMapping(headers: headers), headers: headers)
        let provenance = ImportedRecord.Provenance(importID: "i", file: "opps.csv", row: 2, importedAt: Date(timeIntervalSince1970: 0))
        let good = reader.record(["006A", "001A", " Renewal ", "", "Negotiation", "$40,000", "2026-09-30", "", "005A", "false"], row: 2, provenance: provenance)
        let record = try good.get()
        #expect(record.name == "Renewal" && record.amount == "40000" && record.due?.description == "2026-09-30" && record.accountRef == "001A")
        #expect(record.kind == .deal && record.source == "salesforce.opportunity" && record.provenance.row == 2)
        let bad = reader.record(["", "001A", "X", "", "", "lots", "someday", "", "", ""], row: 7, provenance: provenance)
        guard case .failure(let problems) = bad else {
            Issue.record("a row without an id was accepted")
            return
        }
        #expect(problems.problems.map(\.column) == ["Id", "CloseDate", "Amount"])
        #expect(problems.problems.allSatisfy { $0.row == 7 })
        // A short row (the export lost its last columns) is read as far as it goes.
        #expect((try? reader.record(["006B", "001A", "Short"], row: 3, provenance: provenance).get())?.name == "Short")
        let nul = reader.record(["006C", "001A", "Bad\u{0}name"], row: 4, provenance: provenance)
        if case .success = nul { Issue.record("a NUL character was accepted") }
    }

    @Test func jsonExportsAreCutIntoRecordsWhateverTheChunks() throws {
        let text =
            #"{"total": 3, "issues": [{"key": "A-1", "fields": {"summary": "Braces } and [brackets] in \"text\"", "labels": ["x", "y"]}}, 7, {"key": "A-2", "fields": {"summary": "é", "assignee": null}}]}"#
        let bytes = Array(text.utf8)
        for chunk in [1, 3, 64, bytes.count] {
            var splitter = JSONRecordSplitter(lines: false)
            var records: [[UInt8]?] = []
            for start in stride(from: 0, to: bytes.count, by: chunk) { records += try splitter.feed(bytes[start..<min(start + chunk, bytes.count)]) }
            try splitter.finish()
            #expect(records.count == 3, "chunk \(chunk)")
            #expect(records[1] == nil)
            let first = try JSONRecordSplitter.flatten(try #require(records[0]))
            #expect(first.first { $0.key == "fields.summary" }?.value == #"Braces } and [brackets] in "text""#)
            #expect(first.first { $0.key == "fields.labels" }?.value == "x, y")
            #expect(try JSONRecordSplitter.flatten(try #require(records[2])).first { $0.key == "fields.assignee" }?.value == "")
        }
        var lines = JSONRecordSplitter(lines: true)
        #expect(try lines.feed(Array("{\"id\": 1}\n{\"id\": 2}\n".utf8)).count == 2)
        var cut = JSONRecordSplitter(lines: false)
        _ = try cut.feed(Array(#"[{"id": 1}, {"id": "#.utf8))
        #expect(throws: JSONRecordSplitter.Malformed.self) { try cut.finish() }
        var top = JSONRecordSplitter(lines: false)
        #expect(try top.feed(Array(#"[{"a": 1}, 22, "text", {"b": [1, {"c": 2}]}]"#.utf8)).count == 4)
    }

    @Test func theFormatFollowsTheNameThenTheFirstByte() {
        #expect(ImportRun.Format.of(fileName: "t.csv", firstByte: UInt8(ascii: "I")) == .csv)
        #expect(ImportRun.Format.of(fileName: "t.json", firstByte: UInt8(ascii: "[")) == .json)
        #expect(ImportRun.Format.of(fileName: "export", firstByte: UInt8(ascii: "{")) == .json)
        #expect(ImportRun.Format.of(fileName: "t.ndjson", firstByte: UInt8(ascii: "{")) == .jsonl)
    }
}
