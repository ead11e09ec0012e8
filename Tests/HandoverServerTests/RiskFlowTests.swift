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

/// An account's risk flags on both engines, from what is stored: its profile, its imported
/// tickets and its handovers; the API says the same, and another organization sees nothing.
@Suite struct RiskFlowTests {
    /// Northwind's profile, made risky: renewal in 30 days, an unhappy note, its champion gone.
    static func risky(_ account: Account) -> AccountProfile {
        let today = CalendarDate(Date())
        var profile = account.profile
        profile.renewalDate = CalendarDate(Date().addingTimeInterval(30 * 86_400))
        profile.historyNotes = [HistoryNote(date: today, text: "Customer is frustrated with the second outage and named a competitor")]
        profile.contacts = [Contact(name: "Jo Park", role: "Champion", notes: "Left the company last month")]
        return profile
    }

    @Test(arguments: TestDatabases.engines) func theRulesReadTheStoredAccountTicketsAndHandovers(engine: String) async throws {
        let s = try await ImportTests.setup(engine)
        defer { Task { try? await s.store.database.close() } }
        let risks = s.services.risks
        #expect(try await risks.flags(accountID: s.account.id, by: s.org.bob).isEmpty)

        #expect(try await ImportTests.importFile(s, "zendesk-tickets.csv").state == .done)
        _ = try await s.services.accounts.updateAccount(id: s.account.id, name: nil, profile: Self.risky(s.account), expectedVersion: nil, by: s.org.alice)
        // Handovers begun and cancelled do not count as changes of hands.
        for _ in 0..<2 {
            let h = try await s.services.handovers.begin(
                accountID: s.account.id, recipientID: s.org.bob.id, templateKey: "customer-account", templateVersion: nil, content: nil, by: s.org.alice)
            _ = try await s.services.handovers.transition(id: h.id, event: .cancel(reason: nil), expectedVersion: nil, by: s.org.alice)
        }
        let flags = try await risks.flags(accountID: s.account.id, by: s.org.bob)
        #expect(flags.map(\.rule) == [.renewalSoon, .urgentTickets, .negativeSentiment, .championGone])
        // Two open urgent tickets (101 urgent, 106 high); the solved and unlinked ones are not counted.
        #expect(flags[1].sentence.hasPrefix("2 high-severity tickets are open (\"Gateway outage, second time\""))
        #expect(flags[3].sentence.hasPrefix("Jo Park, the customer's champion, has left"))
        // Another organization's member learns nothing, not even that the account exists.
        let other = try await OrgFixture.make(in: s.store, name: "Other")
        await #expect(throws: StoreError.self) { try await risks.flags(accountID: s.account.id, by: other.admin) }
    }

    @Test(arguments: TestDatabases.engines) func theAPIListsTheFlags(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let account = try await f.org.account(f.org.alice, in: f.store, name: "Northwind Clinics")
        _ = try await AccountService(store: f.store).updateAccount(
            id: account.id, name: nil, profile: Self.risky(account), expectedVersion: nil, by: f.org.alice)
        try await f.test { client in
            let flags = try await client.execute(uri: "/api/v1/accounts/\(account.id)/risks", method: .get, headers: f.headers(f.org.bob)) {
                #expect($0.status == .ok, "\(String(buffer: $0.body))")
                let body = try $0.decode(RiskFlagsResponse.self)
                #expect(body.model == nil && body.noModel?.contains("not been fitted yet") == true)
                return body.items
            }
            #expect(flags.map(\.rule) == [.renewalSoon, .negativeSentiment, .championGone])
            #expect(flags[0].sentence.hasPrefix("The contract renews in 30 days"))
            try await client.execute(uri: "/api/v1/accounts/\(account.id)/risks", method: .get, headers: f.headers(f.other.admin)) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/accounts/\(account.id)/risks", method: .get) { #expect($0.status == .unauthorized) }
        }
    }
}
