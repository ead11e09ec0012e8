import Foundation
import HandoverCore
import HandoverStore

/// Briefings on a handover (the scheduled overlap) and each member's calendar feed. A briefing
/// shares its handover's visibility: one the actor may not see is not found. Every change saves
/// the briefing, its audit entry and its invitations in one transaction, or nothing.
public struct BriefingService: Sendable {
    let store: any HandoverStore
    let handovers: HandoverService
    let clock: WallClock
    let ids: IDMaker
    let mail: MailSettings

    public init(store: any HandoverStore, handovers: HandoverService, clock: WallClock = .system, ids: IDMaker = .random, mail: MailSettings = MailSettings()) {
        self.store = store
        self.handovers = handovers
        self.clock = clock
        self.ids = ids
        self.mail = mail
    }

    /// A handover's briefings, earliest first.
    public func briefings(handoverID: String, by actor: Member) async throws -> [Briefing] {
        _ = try await handovers.handover(id: handoverID, by: actor)
        return try await store.briefings(handoverID: handoverID, organizationID: actor.organizationID)
    }

    /// A briefing whose handover the actor may see; 404 otherwise (another organization's too).
    public func briefing(id: String, by actor: Member) async throws -> (briefing: Briefing, handover: Handover, parties: Parties) {
        guard let briefing = try await store.briefing(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("briefing \(id)") }
        do {
            let (handover, parties) = try await handovers.handover(id: briefing.handoverID, by: actor)
            return (briefing, handover, parties)
        } catch StoreError.notFound {
            throw StoreError.notFound("briefing \(id)")
        }
    }

    public func schedule(
        handoverID: String, startsAt: Date, durationMinutes: Int, place: String?, videoURL: String?, attendeeIDs: [String]?, by actor: Member
    ) async throws -> Briefing {
        let (handover, parties) = try await handovers.handover(id: handoverID, by: actor)
        try requireArranger(handover, parties, actor, "schedule a briefing")
        let place = Self.trimmed(place), videoURL = Self.trimmed(videoURL)
        let now = clock.now()
        var problems = BriefingRules.problems(startsAt: startsAt, durationMinutes: durationMinutes, place: place, videoURL: videoURL, now: now)
        // The parties always attend; others of the organization may be added.
        var attendees = [parties.transferor, parties.recipient]
        for (index, id) in (attendeeIDs ?? []).enumerated() where !attendees.contains(where: { $0.id == id }) {
            if let member = try await store.member(id: id, organizationID: actor.organizationID) {
                // A deactivated member would get invitations they can never answer.
                if member.isActive {
                    attendees.append(member)
                } else {
                    problems.append(Problem(path: "attendeeIDs[\(index)]", message: "\(member.name) is deactivated: invite an active member"))
                }
            } else {
                problems.append(Problem(path: "attendeeIDs[\(index)]", message: "no member \(id) in this organization"))
            }
        }
        if attendees.count > BriefingRules.maxAttendees {
            problems.append(Problem(path: "attendeeIDs", message: "at most \(BriefingRules.maxAttendees) attendees"))
        }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        try CredentialGuard.refuse(CredentialScan.findings([("place", place), ("videoURL", videoURL)]))
        let briefing = Briefing(
            id: ids.next(at: now), organizationID: actor.organizationID, handoverID: handover.id, organizerID: actor.id, startsAt: startsAt,
            durationMinutes: durationMinutes, place: place, videoURL: videoURL, attendeeIDs: attendees.map(\.id), createdAt: now, updatedAt: now)
        let account = try await handovers.accounts.account(id: handover.accountID, by: actor)
        let notices = BriefingNotices.queue(.scheduled, briefing, account: account, organizer: actor, attendees: attendees, mail: mail, ids: ids, at: now)
        try await store.createBriefing(briefing, notices: notices, by: AuditActor(member: actor.id))
        return briefing
    }

    /// A new start, length or place (what is not given stays): SEQUENCE rises and every attendee
    /// gets the updated invitation (METHOD:REQUEST, same UID).
    public func move(
        id: String, startsAt: Date?, durationMinutes: Int?, place: String?, videoURL: String?, expectedSequence: Int? = nil, by actor: Member
    ) async throws -> Briefing {
        let (read, handover, parties) = try await briefing(id: id, by: actor)
        try requireArranger(handover, parties, actor, "move this briefing")
        try requireScheduled(read, "be moved")
        if let expectedSequence, expectedSequence != read.sequence {
            throw StoreError.stale("briefing \(id) is at sequence \(read.sequence), not \(expectedSequence)")
        }
        var briefing = read
        briefing.startsAt = startsAt ?? read.startsAt
        briefing.durationMinutes = durationMinutes ?? read.durationMinutes
        if let place { briefing.place = Self.trimmed(place) }
        if let videoURL { briefing.videoURL = Self.trimmed(videoURL) }
        let now = clock.now()
        let problems = BriefingRules.problems(
            startsAt: briefing.startsAt, durationMinutes: briefing.durationMinutes, place: briefing.place, videoURL: briefing.videoURL, now: now)
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        try CredentialGuard.refuse(CredentialScan.findings([("place", briefing.place), ("videoURL", briefing.videoURL)]))
        if briefing == read { throw HandoverError.invalid([Problem(path: "", message: "nothing to change: give a new start, length, place or link")]) }
        briefing.sequence += 1
        return try await save(briefing, read: read, change: .moved, action: "briefing.move", handover: handover, by: actor, at: now)
    }

    /// Calls it off: SEQUENCE rises and every attendee gets METHOD:CANCEL.
    public func cancel(id: String, by actor: Member) async throws -> Briefing {
        let (read, handover, parties) = try await briefing(id: id, by: actor)
        try requireArranger(handover, parties, actor, "cancel this briefing")
        try requireScheduled(read, "be cancelled")
        var briefing = read
        briefing.state = .cancelled
        briefing.sequence += 1
        return try await save(briefing, read: read, change: .cancelled, action: "briefing.cancel", handover: handover, by: actor, at: clock.now())
    }

    /// A party's word that it took place, after its start: how long, what was covered, what is
    /// still open. The second party's confirmation makes it held.
    public func confirmHeld(id: String, minutes: Int, covered: String, stillOpen: String?, by actor: Member) async throws -> Briefing {
        let (read, handover, _) = try await briefing(id: id, by: actor)
        guard actor.id == handover.transferorID || actor.id == handover.recipientID else {
            throw HandoverError.notPermitted(action: "confirm this briefing", reason: "only the transferor and the recipient confirm that their briefing was held")
        }
        try requireScheduled(read, "be confirmed")
        let now = clock.now()
        guard read.startsAt <= now else { throw HandoverError.conflict("The briefing has not started yet; confirm it after it was held.") }
        if read.confirmation(by: actor.id) != nil { throw HandoverError.conflict("You already confirmed this briefing.") }
        let covered = covered.trimmingCharacters(in: .whitespacesAndNewlines)
        let stillOpen = (stillOpen ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let problems = BriefingRules.problems(minutes: minutes, covered: covered, stillOpen: stillOpen)
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        try CredentialGuard.refuse(CredentialScan.findings([("covered", covered), ("stillOpen", stillOpen)]))
        var briefing = read
        briefing.confirmations.append(BriefingConfirmation(memberID: actor.id, minutes: minutes, covered: covered, stillOpen: stillOpen, at: now))
        if briefing.confirmation(by: handover.transferorID) != nil && briefing.confirmation(by: handover.recipientID) != nil { briefing.state = .held }
        briefing.version += 1
        briefing.updatedAt = now
        try await store.saveBriefing(briefing, expectedVersion: read.version, action: "briefing.held", notices: [], by: AuditActor(member: actor.id))
        return briefing
    }

    private func save(
        _ briefing: Briefing, read: Briefing, change: BriefingMails.Change, action: String, handover: Handover, by actor: Member, at now: Date
    ) async throws -> Briefing {
        var briefing = briefing
        briefing.version = read.version + 1
        briefing.updatedAt = now
        let account = try await handovers.accounts.account(id: handover.accountID, by: actor)
        var attendees: [Member] = []
        for id in briefing.attendeeIDs { if let member = try await store.member(id: id, organizationID: actor.organizationID) { attendees.append(member) } }
        // The organizer of the event stays who scheduled it: a calendar matches the update to it.
        let organizer = try await store.member(id: briefing.organizerID, organizationID: actor.organizationID) ?? actor
        let notices = BriefingNotices.queue(change, briefing, account: account, organizer: organizer, attendees: attendees, mail: mail, ids: ids, at: now)
        try await store.saveBriefing(briefing, expectedVersion: read.version, action: action, notices: notices, by: AuditActor(member: actor.id))
        return briefing
    }

    private func requireArranger(_ handover: Handover, _ parties: Parties, _ actor: Member, _ action: String) throws {
        guard Access.canArrangeBriefing(on: handover, parties: parties, actor: actor) else {
            if !handover.state.isOpen { throw HandoverError.invalidTransition(from: handover.state, event: action) }
            throw HandoverError.notPermitted(action: action, reason: "only the transferor, the recipient, their managers or an admin arrange a briefing")
        }
    }

    private func requireScheduled(_ briefing: Briefing, _ what: String) throws {
        guard briefing.state == .scheduled else { throw HandoverError.conflict("A \(briefing.state.rawValue) briefing cannot \(what).") }
    }

    static func trimmed(_ text: String?) -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        return text
    }

    // MARK: The calendar feed

    /// A new private feed token for the actor, replacing any other; only its digest is stored.
    /// Returns the token, shown once.
    public func createFeed(by actor: Member) async throws -> String {
        let token = Secrets.newToken(prefix: "hcal_")
        try await store.setCalendarFeed(
            memberID: actor.id, organizationID: actor.organizationID, digest: Secrets.digest(token), at: clock.now(), by: AuditActor(member: actor.id))
        return token
    }

    /// Where the feed of `token` is read: `/calendar/<token>.ics` under the public URL.
    public func feedURL(token: String) -> String {
        mail.publicURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/calendar/" + token + ".ics"
    }

    /// Revokes the actor's feed; not found when there was none.
    public func revokeFeed(by actor: Member) async throws {
        guard try await store.deleteCalendarFeed(memberID: actor.id, organizationID: actor.organizationID, at: clock.now(), by: AuditActor(member: actor.id)) else {
            throw StoreError.notFound("calendar feed")
        }
    }

    /// The feed's calendar for a token: every briefing its member attends (cancelled ones as
    /// STATUS:CANCELLED) and the dated items of the open handovers they are party to. Not found
    /// for an unknown or revoked token.
    public func feed(token: String) async throws -> ICalendar {
        guard token.hasPrefix("hcal_"), let member = try await store.calendarFeedMember(digest: Secrets.digest(token)) else {
            throw StoreError.notFound("calendar feed")
        }
        let members = Dictionary(uniqueKeysWithValues: try await store.members(organizationID: member.organizationID).map { ($0.id, $0) })
        var events: [ICalendarEvent] = []
        var accounts: [String: Account] = [:]
        func account(_ id: String) async throws -> Account? {
            if let known = accounts[id] { return known }
            let found = try await store.account(id: id, organizationID: member.organizationID)
            accounts[id] = found
            return found
        }
        for briefing in try await store.briefings(attendeeID: member.id, organizationID: member.organizationID) {
            guard let handover = try await store.handover(id: briefing.handoverID, organizationID: member.organizationID),
                let account = try await account(handover.accountID), let organizer = members[briefing.organizerID]
            else { continue }
            events.append(
                BriefingMails.event(
                    briefing, account: account, organizer: organizer, attendees: briefing.attendeeIDs.compactMap { members[$0] }, publicURL: mail.publicURL,
                    stamp: briefing.updatedAt))
        }
        var open: [Handover] = []
        for filter in [
            HandoverFilter(states: HandoverState.openStates, transferorID: member.id), HandoverFilter(states: HandoverState.openStates, recipientID: member.id),
        ] {
            open += try await store.handovers(visibleTo: member, filter: filter)
        }
        for handover in open {
            guard let account = try await account(handover.accountID),
                let template = try? await handovers.templates.template(
                    key: handover.templateKey, version: handover.templateVersion, organizationID: member.organizationID)
            else { continue }
            for due in HandoverDueDates.dates(in: handover.content, template: template) {
                events.append(
                    ICalendarEvent(
                        uid: "\(handover.id)-\(due.key)@handover", stamp: handover.updatedAt, when: .allDay(due.day),
                        summary: "\(account.name): \(due.title)", description: "Due in the handover of \(account.name).",
                        url: mail.publicURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/handovers/" + handover.id))
            }
        }
        return ICalendar(method: .publish, name: "Handover: \(member.name)", events: events)
    }
}
