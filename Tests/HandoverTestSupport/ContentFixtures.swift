import Foundation
import HandoverCore

/// Handover content for tests.
public enum ContentFixtures {
    /// Every field of `template` filled so that lint has no findings.
    public static func complete(_ template: Template) -> HandoverContent {
        var content = HandoverContent()
        for section in template.sections {
            for field in section.fields {
                let value: JSONValue
                switch field.type {
                case .text, .markdown: value = .string("Written about \(field.label)")
                case .date: value = .string("2027-01-31")
                case .contacts: value = .array([.object(["name": .string("Jo"), "role": .string("CFO"), "preference": .string("email")])])
                case .items: value = .array([.object(["title": .string("Follow up"), "owner": .string("Bob"), "due": .string("2026-12-24")])])
                case .checklist: value = .array((field.options ?? []).map { .object(["item": .string($0), "done": .bool(true)]) })
                case .decisions: value = .array([.object(["decision": .string("Annual billing"), "rationale": .string("Budget cycle")])])
                }
                content[section.id, field.id] = value
            }
        }
        return content
    }

    public static var customerTemplate: Template { TemplateLibrary.builtIn(key: "customer-account")! }
}
