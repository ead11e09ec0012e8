import Foundation

/// Where a briefing is: planned, called off, or held (both parties confirmed it took place).
public enum BriefingState: String, Sendable, Hashable, Codable, CaseIterable {
    case scheduled, cancelled, held
}

/// One party's word that the briefing took place: how long it really ran, what was covered and
/// what is still open.
public struct BriefingConfirmation: Sendable, Hashable, Codable {
    public var memberID: String
    public var minutes: Int
    public var covered: String
    public var stillOpen: String
    public var at: Date

    public init(memberID: String, minutes: Int, covered: String, stillOpen: String, at: Date) {
        self.memberID = memberID
        self.minutes = minutes
        self.covered = covered
        self.stillOpen = stillOpen
        self.at = at
    }
}

/// The scheduled overlap on a handover (issue 15, part 3): the transferor walks the recipient
/// through the packet. Its id is its calendar UID (with "@handover"), so every invitation,
/// update and cancellation names the same event; `sequence` rises with each change sent.
public struct Briefing: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var handoverID: String
    /// Who scheduled it: the ORGANIZER of the invitations.
    public var organizerID: String
    public var startsAt: Date
    public var durationMinutes: Int
    public var place: String?
    public var videoURL: String?
    /// Everyone invited, the two parties first.
    public var attendeeIDs: [String]
    public var sequence: Int
    public var state: BriefingState
    /// The parties' confirmations that it was held (at most one each).
    public var confirmations: [BriefingConfirmation]
    /// Rises with every saved change (moves, cancellations and confirmations), for optimistic writes.
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, organizationID: String, handoverID: String, organizerID: String, startsAt: Date, durationMinutes: Int, place: String?, videoURL: String?,
        attendeeIDs: [String], sequence: Int = 0, state: BriefingState = .scheduled, confirmations: [BriefingConfirmation] = [], version: Int = 1, createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.organizationID = organizationID
        self.handoverID = handoverID
        self.organizerID = organizerID
        self.startsAt = startsAt
        self.durationMinutes = durationMinutes
        self.place = place
        self.videoURL = videoURL
        self.attendeeIDs = attendeeIDs
        self.sequence = sequence
        self.state = state
        self.confirmations = confirmations
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var endsAt: Date { startsAt.addingTimeInterval(TimeInterval(durationMinutes * 60)) }
    /// The calendar UID: stable for the briefing's life.
    public var uid: String { id + "@handover" }

    public func confirmation(by memberID: String) -> BriefingConfirmation? { confirmations.first { $0.memberID == memberID } }

    /// The shorter of the two parties' confirmed lengths, once both confirmed (the briefing is
    /// held); nil before.
    public func heldMinutes(transferorID: String, recipientID: String) -> Int? {
        guard state == .held, let a = confirmation(by: transferorID), let b = confirmation(by: recipientID) else { return nil }
        return min(a.minutes, b.minutes)
    }
}

/// The rules of briefings: what a schedule must look like, who arranges one, and the template's
/// acknowledgment gate. Pure; the service asks them and the store checks the gate again in the
/// acknowledgment's transaction.
public enum BriefingRules {
    public static let durationMinutes = 15...480
    public static let confirmedMinutes = 1...600
    public static let maxPlaceLength = 200
    public static let maxURLLength = 500
    public static let maxNotesLength = 4000
    public static let maxAttendees = 20

    /// Problems with a schedule (new or moved), field by field: a start that is not in the
    /// future, a length outside 15–480 minutes, neither place nor link, a place with line
    /// breaks (it goes into a calendar line and an email), a link that is not http(s).
    public static func problems(startsAt: Date, durationMinutes: Int, place: String?, videoURL: String?, now: Date) -> [Problem] {
        var problems: [Problem] = []
        if startsAt <= now { problems.append(Problem(path: "startsAt", message: "the start must be in the future")) }
        if !Self.durationMinutes.contains(durationMinutes) {
            problems.append(
                Problem(path: "durationMinutes", message: "a briefing lasts \(Self.durationMinutes.lowerBound) to \(Self.durationMinutes.upperBound) minutes"))
        }
        if place == nil && videoURL == nil { problems.append(Problem(path: "place", message: "say where it happens: a place, a video link or both")) }
        if let place {
            if place.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                problems.append(Problem(path: "place", message: "a place is one line, without line breaks or other control characters"))
            } else if place.count > maxPlaceLength {
                problems.append(Problem(path: "place", message: "a place is at most \(maxPlaceLength) characters"))
            }
        }
        if let videoURL, !isWebLink(videoURL) {
            problems.append(Problem(path: "videoURL", message: "a video link is an http:// or https:// URL with a host, at most \(maxURLLength) characters"))
        }
        return problems
    }

    /// An absolute http or https URL with a host, printable ASCII without spaces.
    public static func isWebLink(_ text: String) -> Bool {
        guard text.utf8.count <= maxURLLength,
            text.utf8.allSatisfy({ (33...126).contains($0) && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") }),
            let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else { return false }
        return true
    }

    /// Problems with a held confirmation.
    public static func problems(minutes: Int, covered: String, stillOpen: String) -> [Problem] {
        var problems: [Problem] = []
        if !confirmedMinutes.contains(minutes) {
            problems.append(Problem(path: "minutes", message: "say how long it ran: \(confirmedMinutes.lowerBound) to \(confirmedMinutes.upperBound) minutes"))
        }
        if covered.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append(Problem(path: "covered", message: "say what was covered")) }
        for (path, text) in [("covered", covered), ("stillOpen", stillOpen)] where text.count > maxNotesLength {
            problems.append(Problem(path: path, message: "at most \(maxNotesLength) characters"))
        }
        return problems
    }

    /// Whether the template's rule (`rules.briefingMinimumMinutes`) is met: a held briefing whose
    /// shorter confirmed length reaches the minimum. Nil when met or when there is no rule;
    /// otherwise what is missing, naming the rule.
    public static func unmet(minimumMinutes: Int?, briefings: [Briefing], handover: Handover) -> String? {
        guard let minimumMinutes, minimumMinutes > 0 else { return nil }
        let best = briefings.compactMap { $0.heldMinutes(transferorID: handover.transferorID, recipientID: handover.recipientID) }.max()
        if let best, best >= minimumMinutes { return nil }
        let now =
            if let best { "the longest held briefing was confirmed at \(best) minutes" } else { "no briefing has been confirmed as held by both parties" }
        return "the template requires a held briefing of at least \(minimumMinutes) minutes before acknowledgment (rules.briefingMinimumMinutes); \(now)"
    }

    /// The lint finding for an unmet rule: a warning, since the briefing follows the submission.
    public static func finding(minimumMinutes: Int?, briefings: [Briefing], handover: Handover) -> Finding? {
        unmet(minimumMinutes: minimumMinutes, briefings: briefings, handover: handover).map {
            Finding(severity: .warning, rule: "briefing-required", path: "briefing", message: $0, label: "Briefing")
        }
    }
}

extension Access {
    /// Who schedules, moves and cancels a briefing: the two parties (it is their overlap), a
    /// manager of either or an admin (who arrange it for them), on an open handover; never an
    /// auditor (read-only). Others who may see the handover may attend but not arrange it.
    public static func canArrangeBriefing(on handover: Handover, parties: Parties, actor: Member) -> Bool {
        guard actor.role != .auditor, handover.state.isOpen else { return false }
        return actor.id == handover.transferorID || actor.id == handover.recipientID || actor.role == .admin || parties.isManaged(by: actor)
    }
}

/// The dated things in a handover's packet, for the calendar feed: the template's date fields
/// and the open items with a due date.
public enum HandoverDueDates {
    public struct Due: Sendable, Hashable {
        public var day: CalendarDate
        public var title: String
        /// Unique within the handover, for a stable calendar UID.
        public var key: String
    }

    public static func dates(in content: HandoverContent, template: Template) -> [Due] {
        var dues: [Due] = []
        for (path, field) in template.fieldsWithPaths {
            let parts = path.split(separator: ".").map(String.init)
            guard let json = content[parts[0], parts[1]], json != .null, case .success(let value) = field.parse(json, at: path) else { continue }
            switch value {
            case .date(let day): dues.append(Due(day: day, title: field.label, key: path))
            case .items(let items):
                for (index, item) in items.enumerated() {
                    if let due = item.due { dues.append(Due(day: due, title: item.title, key: "\(path)[\(index)]")) }
                }
            default: continue
            }
        }
        return dues
    }
}
