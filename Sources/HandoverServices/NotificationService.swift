import Foundation
import HandoverCore
import HandoverStore

/// Notification preferences, the daily digest and the overdue reminders. The events themselves
/// (submitted, returned, questions) build their notices where they happen, in their services,
/// and the store delivers them by these preferences inside the event's transaction.
public struct NotificationService: Sendable {
    let store: any HandoverStore
    let clock: WallClock
    let ids: IDMaker
    let mail: MailSettings

    public init(store: any HandoverStore, clock: WallClock = .system, ids: IDMaker = .random, mail: MailSettings = MailSettings()) {
        self.store = store
        self.clock = clock
        self.ids = ids
        self.mail = mail
    }

    // MARK: Preferences

    /// The actor's own settings. Preferences are personal: nobody reads or sets another
    /// member's (an admin who wants someone to hear less tells them; the API has no member id).
    public func preferences(by actor: Member) async throws -> NotificationPreferences {
        try await store.notificationPreferences(memberID: actor.id, organizationID: actor.organizationID)
    }

    /// Sets some of the actor's settings by name (`{"handover.returned": "digest"}`); the others
    /// stay. An unknown kind or setting is refused, naming it, and nothing is changed.
    public func setPreferences(_ changes: [String: String], by actor: Member) async throws -> NotificationPreferences {
        var parsed: [NotificationKind: NotificationSetting] = [:]
        var problems: [Problem] = []
        for (name, value) in changes.sorted(by: { $0.key < $1.key }) {
            guard let kind = NotificationKind(rawValue: name) else {
                problems.append(
                    Problem(path: name, message: "is not an event Handover notifies of (one of \(NotificationKind.allCases.map(\.rawValue).joined(separator: ", ")))"))
                continue
            }
            guard let setting = NotificationSetting(rawValue: value) else {
                problems.append(Problem(path: name, message: "\"\(value)\" is not a setting (email, digest or off)"))
                continue
            }
            guard kind.settings.contains(setting) else {
                problems.append(Problem(path: name, message: "cannot be \(setting.rawValue): an invitation carries its calendar file, so it is email or off"))
                continue
            }
            parsed[kind] = setting
        }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        try await store.setNotificationPreferences(parsed, memberID: actor.id, organizationID: actor.organizationID, at: clock.now())
        return try await preferences(by: actor)
    }

    /// Enqueues the first run of the digest and overdue jobs (a no-op for one already pending).
    public func scheduleJobs() async throws {
        try await store.enqueueJobs(NotificationJobs.firstRuns(at: clock.now(), digestHour: mail.digestHour))
    }

    // MARK: The daily digest

    /// Queues one digest email for each member with pending items (whatever their settings are
    /// now: items kept before a switch back to email still go out), each member's in one write
    /// with the items marked, so a job that dies half way neither loses nor repeats one.
    /// Returns how many digests were queued.
    @discardableResult
    public func sendDigests() async throws -> Int {
        var queued = 0
        for (organizationID, memberID) in try await store.membersWithPendingDigest() {
            guard let member = try await store.member(id: memberID, organizationID: organizationID) else { continue }
            let now = clock.now()
            let id = ids.next(at: now)
            let publicURL = mail.publicURL
            if try await store.queueDigest(
                memberID: memberID, organizationID: organizationID, at: now,
                compose: { items in NotificationMails.digest(to: member, items: items, publicURL: publicURL, id: id, at: now) }) != nil
            {
                queued += 1
            }
        }
        return queued
    }

    // MARK: Overdue handovers

    /// Tells the managers of the parties of each open handover whose account has an item past
    /// due (the organization's admins when neither party has a manager), once per handover per
    /// UTC day: the day is recorded with the notices, in one write. Returns how many handovers
    /// were reported.
    @discardableResult
    public func reportOverdue() async throws -> Int {
        let now = clock.now()
        let today = CalendarDate(now)
        var reported = 0
        for (organizationID, handoverID, due) in try await store.overdueHandovers(before: today, limit: 1000) {
            guard let (handover, parties) = try await store.handoverWithParties(id: handoverID, organizationID: organizationID),
                let account = try await store.account(id: handover.accountID, organizationID: organizationID)
            else { continue }
            let managers = try await Self.managers(of: parties, organizationID: organizationID, store: store)
            let notices = Notice.forEvent(
                managers.map {
                    NotificationMails.overdue(
                        handover: handover, account: account, parties: parties, due: due, to: $0, publicURL: mail.publicURL, id: ids.next(at: now), at: now)
                }, actorID: nil)
            if try await store.recordOverdueNotice(handoverID: handoverID, organizationID: organizationID, day: today, notices: notices, at: now) {
                reported += 1
            }
        }
        return reported
    }

    /// The managers of a handover's parties; the organization's admins when neither has one.
    static func managers(of parties: Parties, organizationID: String, store: any HandoverStore) async throws -> [Member] {
        var managers: [Member] = []
        for id in [parties.transferor.managerID, parties.recipient.managerID].compactMap({ $0 }) where !managers.contains(where: { $0.id == id }) {
            if let manager = try await store.member(id: id, organizationID: organizationID) { managers.append(manager) }
        }
        if !managers.isEmpty { return managers }
        return try await store.members(organizationID: organizationID).filter { $0.role == .admin }
    }
}
