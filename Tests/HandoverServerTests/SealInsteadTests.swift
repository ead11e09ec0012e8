import Foundation
import HandoverCore
import Testing

@testable import HandoverServer

/// "Seal it instead" says where a refused value is as UTF-16 offsets into its input, and never
/// says the value.
@Suite struct SealInsteadTests {
    static let template = TemplateLibrary.builtIn(key: "it-offboarding")!

    static func content(_ systems: String, rowNotes: String = "") -> HandoverContent {
        var content = HandoverContent()
        content["systems", "systems"] = .string(systems)
        content["accessGrants", "grants"] = .array([
            .object(["item": .string("VPN")]), .object(["item": .string("Payroll admin"), "notes": .string(rowNotes)]),
        ])
        return content
    }

    @Test func theOfferPointsAtTheValueInUTF16() throws {
        let value = "Tr0ub4dor&3x!"
        let text = "🔑 Payroll: the admin password is \"\(value)\"."
        let finding = try #require(CredentialScan.findings(in: Self.content(text)).first)
        let offer = try #require(SealInstead.offer(finding, typed: Self.content(text), template: Self.template))
        let units = Array(text.utf16)
        #expect(String(utf16CodeUnits: Array(units[offer.start..<offer.end]), count: offer.end - offer.start) == value)
        #expect(offer.kind == .password && offer.field == "f-systems-systems")
        let button = SealInstead.button(offer, hidden: true).description
        #expect(button.contains("data-start=\"\(offer.start)\"") && !button.contains(value) && button.contains(" hidden>"))
    }

    @Test func aRowPropertyAndALeadingNewline() throws {
        let value = "ghp_" + String(repeating: "aB3dE5gH7j", count: 3) + "kLmNoP"
        let typed = Self.content("\nNothing secret in the first line.", rowNotes: "token \(value)")
        let finding = try #require(CredentialScan.findings(in: typed).first)
        #expect(finding.path == "accessGrants.grants[1].notes")
        #expect(SealInstead.text(at: finding.path, in: typed) == "token \(value)")
        let offer = try #require(SealInstead.offer(finding, typed: typed, template: Self.template))
        #expect(offer.start == 6 && offer.end == 6 + value.utf16.count && offer.kind == .apiKey)
        #expect(offer.field.hasPrefix("f-accessGrants-grants-1-"), "the input of row 2: \(offer.field)")
        // A textarea's value loses the newline that starts its content: the offsets follow it.
        let password = "\nthe password is hunter2hunter2"
        let onTop = try #require(CredentialScan.findings(in: Self.content(password)).first)
        let shifted = try #require(SealInstead.offer(onTop, typed: Self.content(password), template: Self.template))
        #expect(Array(password.utf16.dropFirst())[shifted.start..<shifted.end].count == "hunter2hunter2".utf16.count && shifted.start == 16)
    }

    @Test func theRefusalOffersOnlyWhereThePageCanSeal() throws {
        let typed = Self.content("the password is hunter2hunter2")
        let findings = CredentialScan.findings(in: typed)
        let offers = findings.map { SealInstead.offer($0, typed: typed, template: Self.template) }
        let with = SaveRefusal.credentials(findings, template: Self.template, offers: offers).description
        #expect(with.contains("class=\"seal-instead secondary\"") && with.contains("seal-advice") && !with.contains("hunter2hunter2"))
        let without = SaveRefusal.credentials(findings, template: Self.template).description
        #expect(!without.contains("seal-instead") && !without.contains("seal-advice"))
        #expect(!SealInstead.offers(findings, typed: typed, template: Self.template).description.contains("hunter2hunter2"))
    }
}
