import Foundation

/// How serious a finding is. Errors block submission; warnings lower the score.
public enum Severity: String, Sendable, Hashable, Codable, Comparable {
    case warning, error

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .error }
}

/// One result of the completeness audit, at a content path such as `contacts.keyContacts[0]`.
public struct Finding: Sendable, Hashable, Codable, CustomStringConvertible {
    public var severity: Severity
    public var rule: String
    public var path: String
    public var message: String

    public init(severity: Severity, rule: String, path: String, message: String) {
        self.severity = severity
        self.rule = rule
        self.path = path
        self.message = message
    }

    public var description: String { "\(severity.rawValue) \(path): \(message) [\(rule)]" }
}

/// The completeness audit of a handover against its template: findings and a 0–100 score.
public struct LintReport: Sendable, Hashable, Codable {
    public var score: Int
    public var findings: [Finding]

    /// Whether any finding blocks submission.
    public var blocksSubmission: Bool { findings.contains { $0.severity == .error } }
}

/// The completeness audit. Pure: everything it needs is passed in, including `now`.
public enum Lint {
    /// Lints `content` written against `template` for `account`.
    ///
    /// Score: required fields weigh 3, optional fields 1; the share of weight filled in, as a
    /// percentage, less 3 per warning and 10 per error not already counted as an empty required
    /// field; clamped to 0–100. A fully filled handover without findings scores 100.
    public static func report(content: HandoverContent, template: Template, account: Account, now: Date) -> LintReport {
        var findings: [Finding] = []
        var totalWeight = 0
        var filledWeight = 0

        for (path, field) in template.fieldsWithPaths {
            let weight = field.required ? 3 : 1
            totalWeight += weight
            let parts = path.split(separator: ".").map(String.init)
            guard let json = content[parts[0], parts[1]], json != .null else {
                if field.required { findings.append(requiredEmpty(path, field)) }
                continue
            }
            switch field.parse(json, at: path) {
            case .failure(let problem):
                findings.append(Finding(severity: .error, rule: "invalid-value", path: problem.path, message: problem.message))
            case .success(let value):
                if value.isFilled {
                    filledWeight += weight
                } else if field.required {
                    findings.append(requiredEmpty(path, field))
                }
                findings += valueFindings(value, path: path, field: field)
            }
        }
        findings += accountFindings(content: content, template: template, account: account, now: now)

        let penalties = findings.reduce(0) { total, finding in
            switch (finding.severity, finding.rule) {
            case (.error, "required-field"): total
            case (.error, _): total + 10
            case (.warning, _): total + 3
            }
        }
        let completeness = totalWeight == 0 ? 100 : Int((Double(filledWeight) / Double(totalWeight) * 100).rounded(.down))
        let score = max(0, min(100, completeness - penalties))
        findings.sort { ($0.severity, $1.path) > ($1.severity, $0.path) }
        return LintReport(score: score, findings: findings)
    }

    private static func requiredEmpty(_ path: String, _ field: TemplateField) -> Finding {
        Finding(severity: .error, rule: "required-field", path: path, message: "\(field.label) is required. \(field.guidance)")
    }

    private static func valueFindings(_ value: FieldValue, path: String, field: TemplateField) -> [Finding] {
        var findings: [Finding] = []
        switch value {
        case .items(let items):
            for (i, item) in items.enumerated() {
                if item.owner.isBlank {
                    findings.append(
                        Finding(severity: .warning, rule: "item-owner", path: "\(path)[\(i)]", message: "\"\(item.title)\" has no owner: name who will do it."))
                }
                if item.due == nil {
                    findings.append(Finding(severity: .warning, rule: "item-due", path: "\(path)[\(i)]", message: "\"\(item.title)\" has no due date."))
                }
            }
        case .contacts(let contacts):
            for (i, contact) in contacts.enumerated() where contact.preference.isBlank {
                findings.append(
                    Finding(
                        severity: .warning, rule: "contact-preference", path: "\(path)[\(i)]",
                        message: "\(contact.name) has no communication preference: say how they like to be reached."))
            }
        case .decisions(let decisions):
            for (i, decision) in decisions.enumerated() where decision.rationale.isBlank {
                findings.append(
                    Finding(
                        severity: .warning, rule: "decision-rationale", path: "\(path)[\(i)]",
                        message: "\"\(decision.decision)\" has no rationale: the next owner needs the why."))
            }
        case .checklist(let entries) where field.required:
            let done = Set(entries.filter(\.done).map(\.item))
            for option in field.options ?? [] where !done.contains(option) {
                findings.append(Finding(severity: .warning, rule: "checklist-open", path: path, message: "Not yet done: \(option)"))
            }
        case .text, .date, .checklist:
            break
        }
        for (textPath, text) in value.texts(at: path) {
            if let match = CredentialDetector.firstMatch(in: text) {
                findings.append(
                    Finding(
                        severity: .error, rule: "plaintext-credential", path: textPath,
                        message:
                            "This looks like a \(match.kind). Never put credentials in a handover's text: name the credential and where it lives, and transfer it sealed."
                    ))
            }
        }
        return findings
    }

    private static func accountFindings(content: HandoverContent, template: Template, account: Account, now: Date) -> [Finding] {
        var findings: [Finding] = []
        if account.kind == .customer && template.rules.requireRenewalDate {
            let inContent = template.fieldsWithPaths.contains { path, field in
                guard field.type == .date, field.id == "renewalDate" else { return false }
                let parts = path.split(separator: ".").map(String.init)
                return content[parts[0], parts[1]]?.stringValue.flatMap(CalendarDate.init) != nil
            }
            if account.profile.renewalDate == nil && !inContent {
                findings.append(
                    Finding(
                        severity: .warning, rule: "renewal-date", path: "account.profile.renewalDate",
                        message: "This customer account has no renewal date: renewals are where handovers lose customers."))
            }
        }
        if let days = template.rules.profileStaleDays {
            let age = CalendarDate(account.updatedAt).days(until: CalendarDate(now))
            if age > days {
                findings.append(
                    Finding(
                        severity: .warning, rule: "profile-stale", path: "account.profile",
                        message: "The account's profile was last updated \(age) days ago (this template expects every \(days)): check it is still true."))
            }
        }
        if let match = CredentialDetector.firstMatch(in: account.profile.overview) {
            findings.append(
                Finding(
                    severity: .error, rule: "plaintext-credential", path: "account.profile.overview",
                    message: "This looks like a \(match.kind). Remove it from the profile and transfer it sealed."))
        }
        return findings
    }
}

extension Optional where Wrapped == String {
    var isBlank: Bool { (self ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
}
