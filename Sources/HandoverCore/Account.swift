import Foundation

/// What kind of thing someone is responsible for.
public enum AccountKind: String, Sendable, Hashable, Codable, CaseIterable {
    case customer, system, patient, project, asset, service
}

/// The thing someone is responsible for, with its current owner and living profile.
public struct Account: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var name: String
    public var kind: AccountKind
    public var ownerID: String
    public var profile: AccountProfile
    /// Incremented on every change; the ETag for optimistic concurrency.
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, organizationID: String, name: String, kind: AccountKind, ownerID: String,
        profile: AccountProfile = AccountProfile(), version: Int = 1, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.kind = kind
        self.ownerID = ownerID
        self.profile = profile
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The living profile of an account: what the next owner needs to know, kept between handovers.
public struct AccountProfile: Sendable, Hashable, Codable {
    public var overview: String
    public var contacts: [Contact]
    public var openItems: [OpenItem]
    public var historyNotes: [HistoryNote]
    /// Contract renewal, where the kind of account has one (customers).
    public var renewalDate: CalendarDate?
    public var tags: [String]

    public init(
        overview: String = "", contacts: [Contact] = [], openItems: [OpenItem] = [],
        historyNotes: [HistoryNote] = [], renewalDate: CalendarDate? = nil, tags: [String] = []
    ) {
        self.overview = overview
        self.contacts = contacts
        self.openItems = openItems
        self.historyNotes = historyNotes
        self.renewalDate = renewalDate
        self.tags = tags
    }

    /// The earliest due date among the open items: what makes the account show up as overdue.
    public var nextDue: CalendarDate? { openItems.compactMap(\.due).min() }

    // Every key is optional on input so that a client may send only what it knows.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        overview = try c.decodeIfPresent(String.self, forKey: .overview) ?? ""
        contacts = try c.decodeIfPresent([Contact].self, forKey: .contacts) ?? []
        openItems = try c.decodeIfPresent([OpenItem].self, forKey: .openItems) ?? []
        historyNotes = try c.decodeIfPresent([HistoryNote].self, forKey: .historyNotes) ?? []
        renewalDate = try c.decodeIfPresent(CalendarDate.self, forKey: .renewalDate)
        tags = try c.decodeIfPresent([String].self, forKey: .tags) ?? []
    }
}

/// A person on the account's side, and how they like to be reached.
public struct Contact: Sendable, Hashable, Codable {
    public var name: String
    public var role: String?
    public var email: String?
    public var phone: String?
    /// How they prefer to be reached ("email, never before 10am", "phone").
    public var preference: String?
    public var notes: String?
    /// Who on our side keeps the relationship (a member's name or email): a departure gives the
    /// leaver's contacts to the recipient, as it does their open items.
    public var owner: String?

    public init(
        name: String, role: String? = nil, email: String? = nil, phone: String? = nil, preference: String? = nil, notes: String? = nil, owner: String? = nil
    ) {
        self.name = name
        self.role = role
        self.email = email
        self.phone = phone
        self.preference = preference
        self.notes = notes
        self.owner = owner
    }
}

/// Something still to do, with who does it and by when.
public struct OpenItem: Sendable, Hashable, Codable {
    public var title: String
    public var owner: String?
    public var due: CalendarDate?
    public var status: String?
    public var notes: String?

    public init(title: String, owner: String? = nil, due: CalendarDate? = nil, status: String? = nil, notes: String? = nil) {
        self.title = title
        self.owner = owner
        self.due = due
        self.status = status
        self.notes = notes
    }
}

/// A dated note in the account's history.
public struct HistoryNote: Sendable, Hashable, Codable {
    public var date: CalendarDate
    public var text: String

    public init(date: CalendarDate, text: String) {
        self.date = date
        self.text = text
    }
}
