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
            var briefing = read
            briefing.organizerID = organizer.id
            var attendees = read.attendeeIDs.map { $0 == leaver.id ? organizer.id : $0 }
            if !attendees.contains(organizer.id) { attendees.append(organizer.id) }
            var seen = Set<String>()
            briefing.attendeeIDs = attendees.filter { seen.insert($0).inserted }
            briefing.sequence += 1
            briefing.version += 1
            briefing.updatedAt = now
            var members: [Member] = []
            for id in briefing.attendeeIDs {
                if let member = try await store.member(id: id, organizationID: leaver.organizationID) { members.append(member) }
            }
            notices += BriefingNotices.queue(.moved, briefing, account: account, organizer: organizer, attendees: members, mail: mail, ids: ids, at: now)
            changes.append(DepartureBriefingChange(briefing: briefing, expectedVersion: read.version))
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
            for read in try await store.briefings(handoverID: redirect.handoverID, organizationID: leaver.organizationID)
            where read.state == .scheduled && read.organizerID != leaver.id && read.attendeeIDs.contains(leaver.id) {
                guard let handover = try await store.handover(id: redirect.handoverID, organizationID: leaver.organizationID),
                    let account = try await store.account(id: handover.accountID, organizationID: leaver.organizationID),
                    let organizer = try await store.member(id: read.organizerID, organizationID: leaver.organizationID)
                else { continue }
                var briefing = read
                var seen = Set<String>()
                briefing.attendeeIDs = read.attendeeIDs.map { $0 == leaver.id ? redirect.recipientID : $0 }.filter { seen.insert($0).inserted }
                briefing.sequence += 1
                briefing.version += 1
                briefing.updatedAt = now
                var members: [Member] = []
                for id in briefing.attendeeIDs {
                    if let member = try await store.member(id: id, organizationID: leaver.organizationID) { members.append(member) }
                }
                notices += BriefingNotices.queue(.moved, briefing, account: account, organizer: organizer, attendees: members, mail: mail, ids: ids, at: now)
                changes.append(DepartureBriefingChange(briefing: briefing, expectedVersion: read.version))
            }
        }
        return (changes, notices)
    }
}
