import Foundation
import HandoverCore
import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverWire
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A new handover pre-filled from what the organization imported, on both engines: each value
/// keeps its source, lint flags what nobody reviewed, an edit or a check reviews it, and neither
/// another organization's rows nor a credential in an imported row ever lands in the packet.
@Suite struct PrefillFlowTests {
    static let credentialTicket = """
        Id,Requester,Requester id,Assignee,Group,Subject,Tags,Status,Priority,Via,Organization,Due date,Description
        107,Ann Lee,9001,Tom Hart,Support,Token ghp_abcdefghijklmnopqrstuvwxyz0123456789 pasted here,,open,high,web,Northwind Clinics,2026-12-21,x

        """

    @Test(arguments: TestDatabases.engines) func aNewHandoverStartsFromImportedActivityWithItsSources(engine: String) async throws {
        let s = try await ImportTests.setup(engine)
        defer { Task { try? await s.store.database.close() } }
        for name in ["zendesk-tickets.csv", "salesforce-accounts.csv", "salesforce-cases.csv"] {
            #expect(try await ImportTests.importFile(s, name).state == .done)
        }
        #expect(try await ImportTests.importFile(s, "more-tickets.csv", text: Self.credentialTicket).rowsImported == 1)
        // Another organization imports the same export for its own "Northwind Clinics".
        var other = s
        other.org = try await OrgFixture.make(in: s.store, name: "Other")
        let theirs = try await other.org.account(other.org.alice, in: s.store, name: "Northwind Clinics")
        #expect(try await ImportTests.importFile(other, "zendesk-tickets.csv").rowsImported == 4)

        let handovers = s.services.handovers
        let handover = try await handovers.begin(
            accountID: s.account.id, recipientID: s.org.bob.id, templateKey: "customer-account", templateVersion: nil, content: nil, prefill: true, by: s.org.alice)
        // Open tickets and cases, soonest due first: the solved ticket, the unlinked one, the other
        // organization's copies and the ticket holding a token are not there.
        let items = try #require(handover.content["openWork", "openItems"]?.arrayValue)
        #expect(
            items.map { $0.objectValue?["title"]?.stringValue } == [
                "Gateway outage, second time", "Invoice in wrong currency", #"=HYPERLINK(""http://evil"")"#, "HL7 feed stalls at night",
            ])
        let prefill = try #require(handover.prefill)
        let sources = try #require(prefill["openWork.openItems"]?.sources)
        #expect(sources.map(\.label) == ["Zendesk ticket 101", "Zendesk ticket 102", "Zendesk ticket 106", "Salesforce case 500A"])
        #expect(sources.map(\.file) == ["zendesk-tickets.csv", "zendesk-tickets.csv", "zendesk-tickets.csv", "salesforce-cases.csv"])
        #expect(sources.map(\.fileRow) == [2, 3, 8, 2])
        #expect(prefill["overview.summary"]?.sources.map(\.source) == ["profile"])
        #expect(prefill["renewal.renewalDate"]?.sources.map(\.source) == ["profile"])
        #expect(handover.content["risks", "riskSignals"]?.stringValue?.contains("HL7 feed stalls at night") == true)
        #expect(handover.content["risks", "riskSignals"]?.stringValue?.contains("ghp_") == false)
        #expect(prefill.values.allSatisfy { !$0.isReviewed })

        // Lint: one warning per pre-filled field, in form order, none once reviewed.
        let lint = try await handovers.lint(id: handover.id, by: s.org.alice)
        let template = try await s.services.templates.template(key: "customer-account", version: nil, organizationID: s.org.organization.id)
        #expect(lint.findings.filter { $0.rule == "prefill-unreviewed" }.map(\.path) == PrefillReview.unreviewed(prefill, template: template))
        #expect(lint.findings.filter { $0.rule == "prefill-unreviewed" }.count == prefill.count)

        // A field that was not pre-filled is refused, and nothing of that edit is saved.
        await #expect(throws: HandoverError.self) {
            try await handovers.edit(
                id: handover.id, patch: HandoverContent(["overview": ["summary": .string("Changed")]]), reviewed: ["usage.products"],
                expectedVersion: handover.version, by: s.org.alice)
        }
        let unchanged = try await handovers.handover(id: handover.id, by: s.org.alice).0
        #expect(unchanged.version == handover.version && unchanged.content == handover.content && unchanged.prefill == handover.prefill)

        // Editing reviews the field (edited); naming one reviews it as it stands (checked).
        let edited = try await handovers.edit(
            id: handover.id, patch: HandoverContent(["overview": ["summary": .string("A clinic group in Leeds")]]), reviewed: ["openWork.openItems"],
            expectedVersion: handover.version, by: s.org.alice)
        #expect(edited.prefill?["overview.summary"]?.review == .edited && edited.prefill?["openWork.openItems"]?.review == .checked)
        #expect(edited.prefill?["openWork.openItems"]?.reviewedBy == s.org.alice.id)
        let stored = try await handovers.handover(id: handover.id, by: s.org.bob).0
        #expect(stored.prefill == edited.prefill)
        let after = try await handovers.lint(id: handover.id, by: s.org.alice)
        #expect(Set(after.findings.filter { $0.rule == "prefill-unreviewed" }.map(\.path)) == Set(prefill.keys).subtracting(["overview.summary", "openWork.openItems"]))

        // The other organization's handover has only its own rows, and nothing from the token ticket.
        let their = try await handovers.begin(
            accountID: theirs.id, recipientID: other.org.bob.id, templateKey: "customer-account", templateVersion: nil, content: nil, prefill: true,
            by: other.org.alice)
        #expect(their.prefill?["openWork.openItems"]?.sources.map(\.label) == ["Zendesk ticket 101", "Zendesk ticket 102", "Zendesk ticket 106"])

        // Without pre-fill the draft starts empty, as before.
        _ = try await handovers.transition(id: handover.id, event: .cancel(reason: nil), expectedVersion: nil, by: s.org.alice)
        let empty = try await handovers.begin(
            accountID: s.account.id, recipientID: s.org.bob.id, templateKey: "customer-account", templateVersion: nil, content: nil, by: s.org.alice)
        #expect(empty.content.sections.isEmpty && empty.prefill == nil)
    }

    @Test(arguments: TestDatabases.engines) func theAPICarriesPrefillAndReviews(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let account = try await f.org.account(f.org.alice, in: f.store, name: "Northwind Clinics")
        try await f.test { client in
            let alice = f.headers(f.org.alice)
            let create = #"{"accountID":"\#(account.id)","recipientID":"\#(f.org.bob.id)","templateKey":"customer-account"}"#
            let created = try await client.execute(uri: "/api/v1/handovers", method: .post, headers: alice, body: body(create)) {
                #expect($0.status == .created, "\(String(buffer: $0.body))")
                return try $0.decode(Handover.self)
            }
            #expect(created.content["overview", "summary"] == .string("A customer"))
            #expect(created.prefill?["overview.summary"]?.sources.map(\.label) == ["Account profile"])
            // The read path (the row's JSON as stored) says the same.
            let read = try await client.execute(uri: "/api/v1/handovers/\(created.id)", method: .get, headers: f.headers(f.org.bob)) {
                try $0.decode(Handover.self)
            }
            #expect(read.prefill == created.prefill && read.content == created.content)
            let lint = try await client.execute(uri: "/api/v1/handovers/\(created.id)/lint", method: .get, headers: alice) { try $0.decode(LintReport.self) }
            #expect(Set(lint.findings.filter { $0.rule == "prefill-unreviewed" }.map(\.path)) == ["overview.summary", "renewal.renewalDate"])

            let uri = "/api/v1/handovers/\(created.id)"
            try await client.execute(uri: uri, method: .patch, headers: alice, body: body(#"{"reviewed":["usage.products"]}"#)) {
                #expect($0.status == .unprocessableContent)
                #expect($0.problem?.errors?.map(\.path) == ["reviewed[0]"])
            }
            try await client.execute(uri: uri, method: .patch, headers: alice, body: body("{}")) { #expect($0.status == .badRequest) }
            try await client.execute(uri: uri, method: .patch, headers: f.headers(f.other.admin), body: body(#"{"reviewed":["overview.summary"]}"#)) {
                #expect($0.status == .notFound)
            }
            // The recipient cannot review the transferor's draft.
            try await client.execute(uri: uri, method: .patch, headers: f.headers(f.org.bob), body: body(#"{"reviewed":["overview.summary"]}"#)) {
                #expect($0.status == .forbidden)
            }
            let reviewed = try await client.execute(
                uri: uri, method: .patch, headers: alice, body: body(#"{"reviewed":["overview.summary"]}"#)
            ) {
                #expect($0.status == .ok, "\(String(buffer: $0.body))")
                return try $0.decode(Handover.self)
            }
            #expect(reviewed.prefill?["overview.summary"]?.review == .checked && reviewed.version == created.version + 1)
            #expect(reviewed.content == created.content)

            // Content sent: nothing pre-filled unless asked; asked, what was sent wins.
            _ = try await client.execute(uri: "\(uri)/cancel", method: .post, headers: alice, body: body("{}")) { #expect($0.status == .ok) }
            let written = #"{"accountID":"\#(account.id)","recipientID":"\#(f.org.bob.id)","templateKey":"customer-account","content":{"overview":{"summary":"Mine"}}"#
            let plain = try await client.execute(uri: "/api/v1/handovers", method: .post, headers: alice, body: body(written + "}")) {
                #expect($0.status == .created)
                return try $0.decode(Handover.self)
            }
            #expect(plain.prefill == nil && plain.content["renewal", "renewalDate"] == nil)
            _ = try await client.execute(uri: "/api/v1/handovers/\(plain.id)/cancel", method: .post, headers: alice, body: body("{}")) { #expect($0.status == .ok) }
            let both = try await client.execute(uri: "/api/v1/handovers", method: .post, headers: alice, body: body(written + #","prefill":true}"#)) {
                #expect($0.status == .created)
                return try $0.decode(Handover.self)
            }
            #expect(both.content["overview", "summary"] == .string("Mine") && both.prefill?["overview.summary"] == nil)
            #expect(both.content["renewal", "renewalDate"] == .string("2027-03-31") && both.prefill?["renewal.renewalDate"] != nil)
        }
    }
}
