import Foundation
import HandoverCore
import HandoverStore

/// A departure's briefings: each scheduled briefing the leaver organizes, on an account whose
/// line applies, goes to that line's recipient through the briefing change path, as a move does:
/// the new organizer attends in the leaver's place, SEQUENCE rises so calendars take it as an
/// update of the same event, and every attendee gets the invitation again (METHOD:REQUEST, by
/// their preference, `BriefingNotices`). The leaver's attendee row goes: they are leaving, and
/// keeping them on the invitation would keep sending them the organization's calendar.
extension DepartureService {
    func briefingChanges(_ plan: DeparturePlan, leaver: Member, at now: Date) async throws -> (changes: [DepartureBriefingChange], notices: [Notice]) {
        var changes: [DepartureBriefingChange] = []
        var notices: [Notice] = []
        for pointer in plan.pointers.briefings {
            guard let organizerID = pointer.recipientID,
                let read = try await store.briefing(id: pointer.id, organizationID: leaver.organizationID), read.state == .scheduled,
                read.organizerID == leaver.id,
                let organizer = try await store.member(id: organizerID, organizationID: leaver.organizationID),
                let account = try await store.account(id: pointer.accountID, organizationID: leaver.organizationID)
            else { continue }
            let attendees = read.attendeeIDs.map { $0 == leaver.id ? organizer.id : $0 } + [organizer.id]
            let (change, sent) = try await moved(read, organizer: organizer, attendeeIDs: attendees, account: account, at: now)
            changes.append(change)
            notices += sent
        }
        return (changes, notices)
    }

    /// Scheduled briefings on a handover sent on that the leaver attends but does not organize
    /// (those go with `briefingChanges`): its new recipient attends in the leaver's place, and
    /// every attendee gets the invitation again, as when a briefing moves.
    func redirectedBriefingChanges(
        _ redirects: [DepartureRedirect], leaver: Member, at now: Date
    ) async throws -> (changes: [DepartureBriefingChange], notices: [Notice]) {
        var changes: [DepartureBriefingChange] = []
        var notices: [Notice] = []
        for redirect in redirects {
            let attended = try await store.briefings(handoverID: redirect.handoverID, organizationID: leaver.organizationID).filter {
                $0.state == .scheduled && $0.organizerID != leaver.id && $0.attendeeIDs.contains(leaver.id)
            }
            guard !attended.isEmpty, let handover = try await store.handover(id: redirect.handoverID, organizationID: leaver.organizationID),
                let account = try await store.account(id: handover.accountID, organizationID: leaver.organizationID)
            else { continue }
            for read in attended {
                guard let organizer = try await store.member(id: read.organizerID, organizationID: leaver.organizationID) else { continue }
                let attendees = read.attendeeIDs.map { $0 == leaver.id ? redirect.recipientID : $0 }
                let (change, sent) = try await moved(read, organizer: organizer, attendeeIDs: attendees, account: account, at: now)
                changes.append(change)
                notices += sent
            }
        }
        return (changes, notices)
    }

    /// `read` with `organizer` and `attendeeIDs` (duplicates dropped, first kept): SEQUENCE and
    /// the version rise so calendars take it as an update, and every attendee gets the
    /// invitation again (`.moved`). Written by the apply's transaction, not `BriefingService`'s.
    func moved(
        _ read: Briefing, organizer: Member, attendeeIDs: [String], account: Account, at now: Date
    ) async throws -> (change: DepartureBriefingChange, notices: [Notice]) {
        var briefing = read
        var seen = Set<String>()
        briefing.organizerID = organizer.id
        briefing.attendeeIDs = attendeeIDs.filter { seen.insert($0).inserted }
        briefing.sequence += 1
        briefing.version += 1
        briefing.updatedAt = now
        var members: [Member] = []
        for id in briefing.attendeeIDs {
            if let member = try await store.member(id: id, organizationID: read.organizationID) { members.append(member) }
        }
        let notices = BriefingNotices.queue(.moved, briefing, account: account, organizer: organizer, attendees: members, mail: mail, ids: ids, at: now)
        return (DepartureBriefingChange(briefing: briefing, expectedVersion: read.version), notices)
    }
}
