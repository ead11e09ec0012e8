import Foundation

/// What a documentation audit looks for in a finished handover.
public enum DocumentationRule: String, Sendable, Hashable, Codable, CaseIterable {
    /// Finished without every sign-off its template asks for, on the content as it stands.
    case missingSignoffs = "missing-signoffs"
    /// A checklist with options nobody ticked.
    case checklistUnticked = "checklist-unticked"
    /// No briefing held, though the template asks for one or one was planned.
    case briefingSkipped = "briefing-skipped"
    /// A structured list (items, contacts, decisions) written as free text inside one row.
    case freeText = "free-text"

    public var title: String {
        switch self {
        case .missingSignoffs: "Sign-offs missing"
        case .checklistUnticked: "Checklist left unticked"
        case .briefingSkipped: "Briefing skipped"
        case .freeText: "Free text where the template wants structure"
        }
    }
}

/// One thing a documentation audit found in one finished handover.
public struct DocumentationFinding: Sendable, Hashable, Codable {
    public var handoverID: String
    public var accountID: String
    public var templateKey: String
    public var transferorID: String
    public var recipientID: String
    public var completedAt: Date
    public var rule: DocumentationRule
    /// The field it is about (`checklist.steps`), if any.
    public var path: String?
    /// What was found, in a sentence an auditor reads.
    public var detail: String

    public init(
        handoverID: String, accountID: String, templateKey: String, transferorID: String, recipientID: String, completedAt: Date,
        rule: DocumentationRule, path: String?, detail: String
    ) {
        self.handoverID = handoverID
        self.accountID = accountID
        self.templateKey = templateKey
        self.transferorID = transferorID
        self.recipientID = recipientID
        self.completedAt = completedAt
        self.rule = rule
        self.path = path
        self.detail = detail
    }
}

/// The documentation audit's rules. Pure.
public enum DocumentationAudit {
    /// What the rules find in `facts`' handover: nothing unless it finished.
    public static func findings(_ facts: HandoverFacts, template: Template?) -> [DocumentationFinding] {
        let h = facts.handover
        guard h.state.isFinished, let completedAt = h.completedAt, let template else { return [] }
        func finding(_ rule: DocumentationRule, _ path: String?, _ detail: String) -> DocumentationFinding {
            DocumentationFinding(
                handoverID: h.id, accountID: h.accountID, templateKey: h.templateKey, transferorID: h.transferorID, recipientID: h.recipientID,
                completedAt: completedAt, rule: rule, path: path, detail: detail)
        }
        var found: [DocumentationFinding] = []
        let missing = template.requiredSignoffs.filter { !facts.signedRoles.contains($0) }
        if !missing.isEmpty {
            found.append(
                finding(
                    .missingSignoffs, nil,
                    "The template asks the \(template.requiredSignoffs.map(\.rawValue).joined(separator: ", ")) to sign; the \(missing.map(\.rawValue).joined(separator: " and ")) did not sign the content as it stands."
                ))
        }
        for (path, field) in template.fieldsWithPaths {
            let parts = path.split(separator: ".").map(String.init)
            guard let json = h.content[parts[0], parts[1]], json != .null, case .success(let value) = field.parse(json, at: path) else {
                if field.type == .checklist, let options = field.options, !options.isEmpty {
                    found.append(finding(.checklistUnticked, path, "“\(field.label)”: none of its \(options.count) steps was ticked."))
                }
                continue
            }
            switch value {
            case .checklist(let entries):
                let done = Set(entries.filter(\.done).map(\.item))
                let open = (field.options ?? entries.map(\.item)).filter { !done.contains($0) }
                if !open.isEmpty {
                    found.append(
                        finding(
                            .checklistUnticked, path,
                            "“\(field.label)”: \(open.count) step\(open.count == 1 ? "" : "s") not ticked (\(open.prefix(3).map { "“\($0)”" }.joined(separator: ", "))\(open.count > 3 ? "…" : ""))."
                        ))
                }
            case .items(let items):
                if let row = items.firstIndex(where: { isFreeText($0.title) }) {
                    found.append(finding(.freeText, "\(path)[\(row)]", "“\(field.label)”: one row holds a whole list; give each item its own row, owner and due date."))
                }
            case .contacts(let contacts):
                if let row = contacts.firstIndex(where: { isFreeText($0.name) }) {
                    found.append(finding(.freeText, "\(path)[\(row)]", "“\(field.label)”: one row holds several people; give each contact their own row."))
                }
            case .decisions(let decisions):
                if let row = decisions.firstIndex(where: { isFreeText($0.decision) }) {
                    found.append(finding(.freeText, "\(path)[\(row)]", "“\(field.label)”: one row holds several decisions; give each its own row and rationale."))
                }
            case .text, .date:
                break
            }
        }
        if facts.briefingsHeld == 0 && ((template.rules.briefingMinimumMinutes ?? 0) > 0 || facts.briefingsPlanned > 0) {
            found.append(
                finding(
                    .briefingSkipped, nil,
                    facts.briefingsPlanned > 0
                        ? "\(facts.briefingsPlanned) briefing\(facts.briefingsPlanned == 1 ? " was" : "s were") planned, and none was held."
                        : "The template asks for a briefing, and none was held."))
        }
        return found
    }

    /// A row's main text that is really a list: several lines, bullets, or three or more parts
    /// separated by semicolons.
    public static func isFreeText(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.contains("\n") || trimmed.contains("•") { return true }
        if trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") { return true }
        return trimmed.components(separatedBy: ";").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.count >= 3
    }
}
