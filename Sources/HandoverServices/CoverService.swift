import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust

/// Covers: "while I'm away" (issue 16, part 3; Docs/Covers.md). A cover is a handover to a
/// colleague with an end day; on that day the `cover.end` job drafts the handback, carrying what
/// changed in the account meanwhile. The rules of ending (chained covers, blocked ones) are
/// `CoverRules.ending`; the store applies them in one transaction.
public struct CoverService: Sendable {
    let store: any HandoverStore
    let handovers: HandoverService
    let clock: WallClock
    let ids: IDMaker

    /// Starts a cover: who may begin a handover of the account (its owner, their manager, an
    /// admin) hands it to `covererID` until `until`, with the packet pre-filled from the profile.
    public func start(_ request: CoverRequest, by actor: Member) async throws -> Cover {
        let account = try await handovers.accounts.account(id: request.accountID, by: actor)
        guard let owner = try await store.member(id: account.ownerID, organizationID: actor.organizationID) else {
            throw StoreError.damaged("account \(account.id) has no owner")
        }
        guard Access.canBeginHandover(of: account, owner: owner, actor: actor) else {
            throw HandoverError.notPermitted(action: "arrange cover for this account", reason: "only its owner, the owner's manager or an admin arrange cover")
        }
        let now = clock.now()
        var problems = CoverRules.untilProblems(request.until, today: CalendarDate(now))
        let coverer = try await store.member(id: request.covererID, organizationID: actor.organizationID)
        if let coverer {
            if coverer.id == owner.id { problems.append(Problem(path: "covererID", message: "\(owner.name) owns the account: choose who covers while they are away")) }
            if coverer.role == .auditor { problems.append(Problem(path: "covererID", message: "an auditor cannot cover an account")) }
            if !coverer.isActive { problems.append(Problem(path: "covererID", message: "\(coverer.name) is deactivated")) }
        } else {
            problems.append(Problem(path: "covererID", message: "no member \(request.covererID) in this organization"))
        }
        let templateKey = request.templateKey ?? TemplateLibrary.defaultKey(for: account.kind)
        let template = try await handovers.templates.template(key: templateKey, version: nil, organizationID: actor.organizationID)
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        guard let coverer else { throw HandoverError.invalid(problems) }
        let handover = Handover(
            id: ids.next(at: now), organizationID: actor.organizationID, accountID: account.id, templateKey: template.key, templateVersion: template.version,
            transferorID: owner.id, recipientID: coverer.id,
            content: DeparturePlanner.prefill(account: account, templateKey: template.key, leaver: owner, recipientName: coverer.name), createdAt: now,
            updatedAt: now)
        let cover = Cover(
            id: ids.next(at: now), organizationID: actor.organizationID, accountID: account.id, ownerID: owner.id, covererID: coverer.id, until: request.until,
            handoverID: handover.id, createdBy: actor.id, createdAt: now)
        let record = HandoverEventRecord(
            id: ids.next(at: now), handoverID: handover.id, organizationID: actor.organizationID, actorID: actor.id, event: "create", handoverVersion: 1,
            fromState: nil, toState: .draft, note: "cover \(cover.id) until \(request.until)", at: now)
        let job = NewJob(
            organizationID: actor.organizationID, kind: JobKind.coverEnd, payload: #"{"cover":"\#(cover.id)"}"#, runAfter: request.until.startOfDayUTC,
            dedupeKey: "\(JobKind.coverEnd):\(cover.id)")
        do {
            try await store.createCover(cover, snapshot: account.profile, handover: handover, record: record, job: job)
        } catch StoreError.conflict {
            throw HandoverError.openHandoverExists(accountName: account.name, handoverID: nil)
        }
        return cover
    }

    /// Ends a cover now ("I'm back early"): its owner, its coverer, the owner's manager or an admin.
    /// While an open handover of the account stands in the way it is a conflict (409) that
    /// names it: a person decides about that handover; nothing is retried behind them.
    public func end(id: String, by actor: Member) async throws -> CoverOutcome {
        let cover = try await cover(id: id, by: actor)
        let owner = try await store.member(id: cover.ownerID, organizationID: actor.organizationID)
        guard Self.mayEnd(cover, owner: owner, by: actor) else {
            throw HandoverError.notPermitted(action: "end this cover", reason: "its owner, whoever covers, the owner's manager or an admin end a cover")
        }
        guard cover.state == .active else { throw HandoverError.conflict("This cover has ended already (\(cover.state.rawValue)).") }
        let now = clock.now()
        return try await store.endCover(
            id: id, organizationID: actor.organizationID, handbackID: ids.next(at: now), eventID: ids.next(at: now), retryIfBlocked: false, at: now,
            by: AuditActor(member: actor.id))
    }

    /// `cover.end`: the cover's day came.
    public func endScheduled(_ job: Job) async throws {
        guard let organizationID = job.organizationID,
            let payload = try? JSONDecoder().decode([String: String].self, from: Data(job.payload.utf8)), let id = payload["cover"]
        else { return }
        try await endOnItsDay(coverID: id, organizationID: organizationID)
    }

    /// What the job does: ends the cover as itself (no member asked). A cover gone is nothing to do.
    public func endOnItsDay(coverID id: String, organizationID: String) async throws {
        let now = clock.now()
        do {
            _ = try await store.endCover(
                id: id, organizationID: organizationID, handbackID: ids.next(at: now), eventID: ids.next(at: now), retryIfBlocked: true, at: now,
                by: .job(JobKind.coverEnd))
        } catch StoreError.notFound {
            return
        }
    }

    /// Admins, managers and auditors see every cover; a member those they are away from or cover.
    public func covers(by actor: Member, limit: Int = 100) async throws -> [Cover] {
        let everyone = actor.role == .admin || actor.role == .manager || actor.role == .auditor
        return try await store.covers(organizationID: actor.organizationID, memberID: everyone ? nil : actor.id, accountID: nil, limit: limit)
    }

    /// An account's covers, newest first (its page): for whoever may see the account, those
    /// `covers(by:)` shows them (a member, the ones they are a party to).
    public func covers(accountID: String, by actor: Member) async throws -> [Cover] {
        let account = try await handovers.accounts.account(id: accountID, by: actor)
        let everyone = actor.role == .admin || actor.role == .manager || actor.role == .auditor
        return try await store.covers(organizationID: actor.organizationID, memberID: everyone ? nil : actor.id, accountID: account.id, limit: 20)
    }

    /// Whether `actor` may end `cover` early (the account page offers the button only then).
    public static func mayEnd(_ cover: Cover, owner: Member?, by actor: Member) -> Bool {
        actor.role == .admin || actor.id == cover.ownerID || actor.id == cover.covererID || (actor.role == .manager && owner?.managerID == actor.id)
    }

    /// 404 for another organization's, or one a member is not part of.
    public func cover(id: String, by actor: Member) async throws -> Cover {
        guard let cover = try await store.cover(id: id, organizationID: actor.organizationID),
            actor.role != .member || cover.ownerID == actor.id || cover.covererID == actor.id
        else { throw StoreError.notFound("cover \(id)") }
        return cover
    }
}

/// `cover.end`: a cover's day (`CoverService.endScheduled`).
public enum CoverJob {
    public static let kind = JobKind.coverEnd

    public static func handler(covers: CoverService) -> JobHandler {
        { job in try await covers.endScheduled(job) }
    }
}
