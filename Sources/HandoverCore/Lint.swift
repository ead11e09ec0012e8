import Foundation

/// How serious a finding is. Errors block submission; warnings lower the score.
public enum Severity: String, Sendable, Hashable, Codable, Comparable {
    case warning, error

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .error }
}

/// One result of the completeness audit, at a content path such as `contacts.keyContacts[0]`.
///
/// How a finding reads: "`label`: `message`" ("Who the customer is: required, still empty. …").
/// The message never repeats the label, so that it reads the same under a heading, after a link
/// or on a line of its own; the path is for scripts and for finding the field's input.
public struct Finding: Sendable, Hashable, Codable, CustomStringConvertible {
    public var severity: Severity
    public var rule: String
    public var path: String
    public var message: String
    /// What a person calls the place to fix it: the field's label in the template, or "Account
    /// profile" for findings about the account. Nil only in findings made before labels were kept.
    public var label: String?

    public init(severity: Severity, rule: String, path: String, message: String, label: String? = nil) {
        self.severity = severity
        self.rule = rule
        self.path = path
        self.message = message
        self.label = label
    }

    /// The finding as a person reads it: its label (or, lacking one, its path), then the message.
    public var text: String { "\(label ?? path): \(message)" }

    /// Where to fix it at a terminal: the label a person knows and the path `handover edit` takes.
    public var place: String { label.map { "\($0) (\(path))" } ?? path }

    public var description: String { "\(severity.rawValue) \(path): \(message) [\(rule)]" }
}

/// Points a handover's score lacks, and what for: fields not filled in (required ones weigh 3,
/// recommended ones 1) or findings (3 per warning, 10 per error other than an empty required field).
public struct ScoreLoss: Sendable, Hashable, Codable {
    public enum Reason: String, Sendable, Hashable, Codable {
        case requiredEmpty = "required-empty"
        case recommendedEmpty = "recommended-empty"
        case warnings, errors
    }

    public var reason: Reason
    public var points: Int
    /// How many fields or findings the points are for.
    public var count: Int
    /// The labels of the fields (for empty fields), in form order.
    public var fields: [String]

    public init(reason: Reason, points: Int, count: Int, fields: [String] = []) {
        self.reason = reason
        self.points = points
        self.count = count
        self.fields = fields
    }

    /// "3 recommended fields not filled in: A, B, C".
    public var what: String {
        let plural = count == 1 ? "" : "s"
        return switch reason {
        // The required ones are findings too, so listed there; the recommended ones only here.
        case .requiredEmpty: "\(count) required field\(plural) not filled in"
        case .recommendedEmpty: "\(count) recommended field\(plural) not filled in: \(fields.joined(separator: ", "))"
        case .warnings: "\(count) warning\(plural) (3 points each)"
        case .errors: "\(count) error\(plural) other than empty fields (10 points each)"
        }
    }

    /// "23 points for 3 recommended fields not filled in: A, B, C", "6 points for 2 warnings (3 points each)".
    public var text: String { "\(points) point\(points == 1 ? "" : "s") for \(what)" }
}

public struct LintReport: Sendable, Hashable, Codable {
    public var score: Int
    /// In the template's form order (field by field, rows in order, errors first within a place);
    /// findings about the account come last.
    public var findings: [Finding]
    /// Where the points short of 100 went, largest share first; empty at 100.
    public var lost: [ScoreLoss]
    /// The score explained in a sentence: "77/100: 23 points are for …".
    public var explanation: String

    public init(score: Int, findings: [Finding], lost: [ScoreLoss]) {
        self.score = score
        self.findings = findings
        self.lost = lost
        self.explanation = Self.explain(score: score, lost: lost)
    }

    /// "100/100: every field is filled in and nothing is flagged.", "77/100: 23 points are for 3
    /// recommended fields not filled in: A, B, C.", or several parts joined by semicolons.
    public static func explain(score: Int, lost: [ScoreLoss]) -> String {
        guard !lost.isEmpty else { return "\(score)/100: every field is filled in and nothing is flagged." }
        let total = lost.reduce(0) { $0 + $1.points }
        let floor = total > 100 - score ? " (the score stops at 0)" : ""
        if lost.count == 1 {
            let loss = lost[0]
            return "\(score)/100: \(loss.points) point\(loss.points == 1 ? " is" : "s are") for \(loss.what)\(floor)."
        }
        return "\(score)/100. The missing points: \(lost.map(\.text).joined(separator: "; "))\(floor)."
    }

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
    /// With `briefings` (a handover's), a template's unmet `briefingMinimumMinutes` is a warning
    /// about the handover; without them (submission's lint) it is not checked. With `prefill`
    /// (a handover's), each pre-filled field still filled in and not yet reviewed is a warning.
    public static func report(
        content: HandoverContent, template: Template, account: Account, now: Date, briefings: (handover: Handover, all: [Briefing])? = nil,
        prefill: [String: PrefilledField]? = nil
    ) -> LintReport {
        var findings: [Finding] = []
        var totalWeight = 0
        var filledWeight = 0
        var emptyRequired: [String] = [], emptyRecommended: [String] = []

        for (path, field) in template.fieldsWithPaths {
            let weight = field.required ? 3 : 1
            totalWeight += weight
            let parts = path.split(separator: ".").map(String.init)
            var fieldFindings: [Finding] = []
            var filled = false, unreadable = false
            if let json = content[parts[0], parts[1]], json != .null {
                switch field.parse(json, at: path) {
                case .failure(let problem):
                    unreadable = true
                    fieldFindings.append(Finding(severity: .error, rule: "invalid-value", path: problem.path, message: problem.message))
                case .success(let value):
                    filled = value.isFilled
                    fieldFindings += valueFindings(value, path: path, field: field)
                }
            }
            if filled, let prefilled = prefill?[path], !prefilled.isReviewed {
                fieldFindings.append(
                    Finding(
                        severity: .warning, rule: "prefill-unreviewed", path: path,
                        message: "pre-filled from \(prefilled.from), and nobody has reviewed it yet: check it is still true, then mark it checked or edit it."))
            }
            if filled {
                filledWeight += weight
            } else if field.required {
                emptyRequired.append(field.label)
                // An unreadable value has its own finding; "still empty" would be wrong.
                if !unreadable { fieldFindings.insert(requiredEmpty(path, field), at: 0) }
            } else {
                emptyRecommended.append(field.label)
            }
            // Form order: this field's findings, rows in order, errors before warnings at one place.
            findings += fieldFindings.map { finding in
                var finding = finding
                finding.label = field.label
                return finding
            }.enumerated().sorted { a, b in
                let (rowA, rowB) = (row(of: a.element.path), row(of: b.element.path))
                if rowA != rowB { return rowA < rowB }
                if a.element.severity != b.element.severity { return a.element.severity > b.element.severity }
                return a.offset < b.offset
            }.map(\.element)
        }
        findings += accountFindings(content: content, template: template, account: account, now: now)
        if let briefings,
            let finding = BriefingRules.finding(minimumMinutes: template.rules.briefingMinimumMinutes, briefings: briefings.all, handover: briefings.handover)
        {
            findings.append(finding)
        }

        let penalties = findings.reduce(0) { total, finding in
            switch (finding.severity, finding.rule) {
            case (.error, "required-field"): total
            case (.error, _): total + 10
            case (.warning, _): total + 3
            }
        }
        let completeness = totalWeight == 0 ? 100 : Int((Double(filledWeight) / Double(totalWeight) * 100).rounded(.down))
        let score = max(0, min(100, completeness - penalties))
        return LintReport(
            score: score, findings: findings,
            lost: losses(
                completeness: completeness, totalWeight: totalWeight, emptyRequired: emptyRequired, emptyRecommended: emptyRecommended,
                findings: findings))
    }

    /// The row a path points into (`openWork.openItems[2]` → 2), -1 for the field as a whole.
    public static func row(of path: String) -> Int {
        guard let open = path.firstIndex(of: "["), let close = path[open...].firstIndex(of: "]") else { return -1 }
        return Int(path[path.index(after: open)..<close]) ?? -1
    }

    /// Splits the points short of 100 by what they are for. The empty fields' share is what
    /// completeness lacks, divided between required and recommended fields by weight.
    static func losses(completeness: Int, totalWeight: Int, emptyRequired: [String], emptyRecommended: [String], findings: [Finding]) -> [ScoreLoss] {
        var lost: [ScoreLoss] = []
        let missing = 100 - completeness
        if missing > 0 && totalWeight > 0 {
            let requiredWeight = 3 * emptyRequired.count
            var requiredPoints = emptyRecommended.isEmpty ? missing : Int((Double(requiredWeight) / Double(totalWeight) * 100).rounded())
            requiredPoints = min(requiredPoints, missing)
            if !emptyRequired.isEmpty {
                lost.append(ScoreLoss(reason: .requiredEmpty, points: requiredPoints, count: emptyRequired.count, fields: emptyRequired))
            }
            if !emptyRecommended.isEmpty {
                lost.append(
                    ScoreLoss(
                        reason: .recommendedEmpty, points: missing - (emptyRequired.isEmpty ? 0 : requiredPoints), count: emptyRecommended.count,
                        fields: emptyRecommended))
            }
        }
        let warnings = findings.filter { $0.severity == .warning }.count
        if warnings > 0 { lost.append(ScoreLoss(reason: .warnings, points: 3 * warnings, count: warnings)) }
        let errors = findings.filter { $0.severity == .error && $0.rule != "required-field" }.count
        if errors > 0 { lost.append(ScoreLoss(reason: .errors, points: 10 * errors, count: errors)) }
        return lost.filter { $0.points > 0 }.sorted { $0.points > $1.points }
    }

    /// The finding for an empty required field, read after its label: "Who the customer is:
    /// required, still empty." Short, because a list of them comes before the form on a phone;
    /// what to write is the field's guidance, shown with the field (and by `templates show`).
    private static func requiredEmpty(_ path: String, _ field: TemplateField) -> Finding {
        Finding(severity: .error, rule: "required-field", path: path, message: "required, still empty.", label: field.label)
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
                findings.append(Finding(severity: .warning, rule: "checklist-open", path: path, message: "“\(option)” is not yet done."))
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
                            "This looks like \(CredentialFinding.withArticle(match.kind)). Never put credentials in a handover's text: name the credential and where it lives, and transfer it sealed."
                    ))
            }
        }
        return findings
    }

    /// The label of findings about the account rather than the handover's fields.
    public static let accountLabel = "Account profile"

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
                        message: "This customer account has no renewal date: renewals are where handovers lose customers.", label: Self.accountLabel))
            }
        }
        if let days = template.rules.profileStaleDays {
            let age = CalendarDate(account.updatedAt).days(until: CalendarDate(now))
            if age > days {
                findings.append(
                    Finding(
                        severity: .warning, rule: "profile-stale", path: "account.profile",
                        message: "The account's profile was last updated \(age) days ago (this template expects every \(days)): check it is still true.",
                        label: Self.accountLabel))
            }
        }
        if let match = CredentialDetector.firstMatch(in: account.profile.overview) {
            findings.append(
                Finding(
                    severity: .error, rule: "plaintext-credential", path: "account.profile.overview",
                    message: "This looks like \(CredentialFinding.withArticle(match.kind)). Remove it from the profile and transfer it sealed.", label: Self.accountLabel)
            )
        }
        return findings
    }
}

extension Optional where Wrapped == String {
    var isBlank: Bool { (self ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
}
