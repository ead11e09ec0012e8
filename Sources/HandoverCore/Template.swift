import Foundation

/// A versioned, declarative form: sections of typed fields with guidance, the sign-offs
/// completion needs, and the rules lint applies. Built-ins ship as JSON resources;
/// organizations add their own.
public struct Template: Sendable, Hashable, Codable {
    public var key: String
    public var version: Int
    public var name: String
    public var summary: String
    public var accountKinds: [AccountKind]
    public var requiredSignoffs: [SignoffRole]
    /// What the recipient is asked to restate in their own words when acknowledging.
    public var synthesisPrompt: String
    public var rules: TemplateRules
    public var sections: [TemplateSection]

    public init(
        key: String, version: Int, name: String, summary: String, accountKinds: [AccountKind],
        requiredSignoffs: [SignoffRole] = [.transferor, .recipient], synthesisPrompt: String,
        rules: TemplateRules = TemplateRules(), sections: [TemplateSection]
    ) {
        self.key = key
        self.version = version
        self.name = name
        self.summary = summary
        self.accountKinds = accountKinds
        self.requiredSignoffs = requiredSignoffs
        self.synthesisPrompt = synthesisPrompt
        self.rules = rules
        self.sections = sections
    }

    // Optional keys take their defaults, so that validation can list every real problem at once.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decode(String.self, forKey: .key)
        version = try c.decode(Int.self, forKey: .version)
        name = try c.decode(String.self, forKey: .name)
        summary = try c.decodeIfPresent(String.self, forKey: .summary) ?? ""
        accountKinds = try c.decodeIfPresent([AccountKind].self, forKey: .accountKinds) ?? []
        requiredSignoffs = try c.decodeIfPresent([SignoffRole].self, forKey: .requiredSignoffs) ?? [.transferor, .recipient]
        synthesisPrompt = try c.decodeIfPresent(String.self, forKey: .synthesisPrompt) ?? ""
        rules = try c.decodeIfPresent(TemplateRules.self, forKey: .rules) ?? TemplateRules()
        sections = try c.decodeIfPresent([TemplateSection].self, forKey: .sections) ?? []
    }

    /// Every field with its content path (`section.field`).
    public var fieldsWithPaths: [(path: String, field: TemplateField)] {
        sections.flatMap { section in section.fields.map { (path: "\(section.id).\($0.id)", field: $0) } }
    }

    public func field(at path: String) -> TemplateField? {
        fieldsWithPaths.first { $0.path == path }?.field
    }
}

/// Who must sign before a handover can complete.
public enum SignoffRole: String, Sendable, Hashable, Codable, CaseIterable {
    case transferor, recipient, manager
}

public struct TemplateRules: Sendable, Hashable, Codable {
    /// Warn when the account's profile has not been updated for this many days.
    public var profileStaleDays: Int?
    /// Customer accounts must carry a renewal date.
    public var requireRenewalDate: Bool
    /// Days after completion to rotate every secret the transferor could open; absent for
    /// `SecretExposure.defaultRotationDays`. Optional so that templates written before it keep
    /// their exact JSON (and digest).
    public var rotateSecretsWithinDays: Int?
    /// Days after completion that the thread still takes questions (the previous owner stays
    /// reachable); absent for `QuestionWindow.defaultDays`, 0 to close it at completion.
    public var questionsOpenForDays: Int?
    /// True: completion waits until every line of the handover's access plan is confirmed or
    /// declined and no active grant of the transferor on the account is left out of it. Optional
    /// for the same reason as `rotateSecretsWithinDays` (absent means no gate).
    public var accessPlanGate: Bool?
    /// Minutes: acknowledgment waits for a briefing both parties confirmed as held, the shorter
    /// confirmed length at least this long (`BriefingRules.unmet`). Absent: no gate.
    public var briefingMinimumMinutes: Int?
    /// Days after completion that the follow-up (surveys, the manager's check-in) starts; absent
    /// for `FollowUp.defaultCustomerDays` on customer accounts and none on others.
    public var followUpAfterDays: Int?

    public init(
        profileStaleDays: Int? = 90, requireRenewalDate: Bool = false, rotateSecretsWithinDays: Int? = nil, questionsOpenForDays: Int? = nil,
        accessPlanGate: Bool? = nil, briefingMinimumMinutes: Int? = nil, followUpAfterDays: Int? = nil
    ) {
        self.profileStaleDays = profileStaleDays
        self.requireRenewalDate = requireRenewalDate
        self.rotateSecretsWithinDays = rotateSecretsWithinDays
        self.questionsOpenForDays = questionsOpenForDays
        self.accessPlanGate = accessPlanGate
        self.briefingMinimumMinutes = briefingMinimumMinutes
        self.followUpAfterDays = followUpAfterDays
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        profileStaleDays = try c.decodeIfPresent(Int.self, forKey: .profileStaleDays)
        requireRenewalDate = try c.decodeIfPresent(Bool.self, forKey: .requireRenewalDate) ?? false
        rotateSecretsWithinDays = try c.decodeIfPresent(Int.self, forKey: .rotateSecretsWithinDays)
        questionsOpenForDays = try c.decodeIfPresent(Int.self, forKey: .questionsOpenForDays)
        accessPlanGate = try c.decodeIfPresent(Bool.self, forKey: .accessPlanGate)
        briefingMinimumMinutes = try c.decodeIfPresent(Int.self, forKey: .briefingMinimumMinutes)
        followUpAfterDays = try c.decodeIfPresent(Int.self, forKey: .followUpAfterDays)
    }

    /// The longest a template may give to rotate exposed secrets.
    public static let maxRotationDays = 365
}

public struct TemplateSection: Sendable, Hashable, Codable {
    public var id: String
    public var title: String
    /// What to write here and why it matters to the recipient.
    public var guidance: String
    public var fields: [TemplateField]

    public init(id: String, title: String, guidance: String, fields: [TemplateField]) {
        self.id = id
        self.title = title
        self.guidance = guidance
        self.fields = fields
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        title = try c.decodeIfPresent(String.self, forKey: .title) ?? ""
        guidance = try c.decodeIfPresent(String.self, forKey: .guidance) ?? ""
        fields = try c.decodeIfPresent([TemplateField].self, forKey: .fields) ?? []
    }
}

public struct TemplateField: Sendable, Hashable, Codable {
    public var id: String
    public var label: String
    public var type: FieldType
    public var required: Bool
    public var guidance: String
    /// The entries of a checklist field.
    public var options: [String]?

    public init(id: String, label: String, type: FieldType, required: Bool = false, guidance: String, options: [String]? = nil) {
        self.id = id
        self.label = label
        self.type = type
        self.required = required
        self.guidance = guidance
        self.options = options
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        label = try c.decodeIfPresent(String.self, forKey: .label) ?? ""
        type = try c.decode(FieldType.self, forKey: .type)
        required = try c.decodeIfPresent(Bool.self, forKey: .required) ?? false
        guidance = try c.decodeIfPresent(String.self, forKey: .guidance) ?? ""
        options = try c.decodeIfPresent([String].self, forKey: .options)
    }
}

/// The shape of a field's value in handover content.
public enum FieldType: String, Sendable, Hashable, Codable, CaseIterable {
    /// One line of text.
    case text
    /// Long text (Markdown).
    case markdown
    /// `YYYY-MM-DD`.
    case date
    /// `[{name, role, email, phone, preference, notes, owner}]`
    case contacts
    /// `[{title, owner, due, status, notes}]`
    case items
    /// `[{item, done, note}]`, one entry per option.
    case checklist
    /// `[{decision, rationale, date}]`
    case decisions
}
