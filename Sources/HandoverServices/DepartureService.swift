import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust
import HandoverWire

/// Departures: "member X leaves on date D". The plan is pure (`DeparturePlanner`); this reads
/// what it needs, checks who may ask, and applies it in one transaction behind an
/// `Idempotency-Key` (Docs/Departures.md).
public struct DepartureService: Sendable {
    let store: any HandoverStore
    let clock: WallClock
    let ids: IDMaker
    let templates: TemplateService
    /// How long a claimed idempotency key blocks a retry when its request died mid-way.
    /// Correctness does not depend on it (a claim id makes a stale attempt's completion fail and
    /// roll back); it only bounds how long a retry after a crash waits. Above the worst apply
    /// measured (100,000 accounts, about 18 s) many times over; `HANDOVER_IDEMPOTENCY_LEASE_SECONDS`.
    let idempotencyLease: TimeInterval
    public static let defaultIdempotencyLease: TimeInterval = 600
    /// For the invitations of the briefings a departure reassigns.
    let mail: MailSettings
    /// Tests only: run after the rows are built and just before the one transaction that
    /// writes them (a test makes an account's handover appear here, so the write fails midway).
    let fault: (@Sendable () async throws -> Void)?

    public init(
        store: any HandoverStore, templates: TemplateService, clock: WallClock = .system, ids: IDMaker = .random,
        idempotencyLease: TimeInterval = DepartureService.defaultIdempotencyLease,
        mail: MailSettings = MailSettings(), fault: (@Sendable () async throws -> Void)? = nil
    ) {
        self.mail = mail
        self.store = store
        self.templates = templates
        self.clock = clock
        self.ids = ids
        self.idempotencyLease = idempotencyLease
        self.fault = fault
    }

    /// The answer of an apply: its status and the exact JSON bytes (replayed for a key).
    public typealias Response = IdempotentResponse

    var idempotent: IdempotentApply { IdempotentApply(store: store, clock: clock, lease: idempotencyLease) }

    // MARK: Who may

    /// The leaver, read in the actor's organization (another organization's id is 404), if the
    /// actor is an admin or the leaver's manager.
    func leaver(_ id: String, by actor: Member) async throws -> Member {
        guard let leaver = try await store.member(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("member \(id)") }
        guard actor.role == .admin || (actor.role == .manager && leaver.managerID == actor.id) else {
            throw HandoverError.notPermitted(action: "plan this departure", reason: "only an admin or the member's manager plans a departure")
        }
        return leaver
    }

    /// `deactivate` is an admin's to ask, as deactivation is, and never of themself.
    static func checkDeactivation(_ request: DepartureRequest, leaver: Member, by actor: Member) throws {
        guard request.deactivate else { return }
        guard actor.role == .admin else {
            throw HandoverError.notPermitted(action: "deactivate members", reason: "only admins deactivate members: leave deactivate out")
        }
        if leaver.id == actor.id { throw HandoverError.invalid([Problem(path: "deactivate", message: "you cannot deactivate yourself")]) }
    }

    // MARK: Planning

    public func preview(_ request: DepartureRequest, by actor: Member) async throws -> DeparturePlan {
        let leaver = try await leaver(request.memberID, by: actor)
        try Self.checkDeactivation(request, leaver: leaver, by: actor)
        return try await plan(request, leaver: leaver, checkDate: true).plan
    }

    /// The plan, with what it was made from (the apply builds its rows from the same read).
    /// `checkRules` false: a rule naming a team that is gone plans as a conflict (its accounts
    /// skipped and named) instead of refusing the request; for the organization's stored
    /// deprovisioning rules, which must never stop a deprovisioning.
    func plan(
        _ request: DepartureRequest, leaver: Member, checkDate: Bool, checkRules: Bool = true
    ) async throws -> (plan: DeparturePlan, inputs: DepartureInputs, members: [Member]) {
        var problems: [Problem] = []
        if checkDate, let day = request.effectiveOn, day < CalendarDate(clock.now()) {
            problems.append(Problem(path: "effectiveOn", message: "\(day) is in the past: leave it out to apply now, or give today or a later day"))
        }
        let inputs = try await store.departureInputs(memberID: leaver.id, organizationID: leaver.organizationID)
        let owned = Set(inputs.accounts.map(\.id))
        for (index, mapping) in request.mappings.enumerated() where !owned.contains(mapping.accountID) {
            problems.append(Problem(path: "mappings[\(index)].accountID", message: "account \(mapping.accountID) is not one \(leaver.name) owns"))
        }
        // A rule names a member or a team (SCIM Groups are teams), never both or neither.
        let teams = try await Self.teamMembers(for: request.rules, organizationID: leaver.organizationID, store: store)
        if checkRules { problems += Self.ruleProblems(request.rules, teamIDs: Set(teams.keys)) }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        let members = try await store.members(organizationID: leaver.organizationID)
        let plan = DeparturePlanner.plan(
            leaver: leaver, effectiveOn: request.effectiveOn, accounts: inputs.accounts, members: members, openHandoverAccounts: inputs.openHandoverAccounts,
            load: inputs.load, recipients: request.recipients, pointers: inputs.pointers, briefingOtherParties: inputs.briefingOtherParties, teams: teams,
            incoming: inputs.incoming)
        return (plan, inputs, members)
    }

    /// Team id → member ids, read only when a rule names a team (departures and realignments).
    static func teamMembers(for rules: [DepartureRule], organizationID: String, store: any HandoverStore) async throws -> [String: [String]] {
        guard rules.contains(where: { $0.teamID != nil }) else { return [:] }
        return Dictionary(
            try await store.teams(organizationID: organizationID, name: nil).map { ($0.id, $0.memberIDs) }, uniquingKeysWith: { a, _ in a })
    }

    /// A rule names exactly one member or one team, and a team of the organization (`teamIDs`).
    /// Members are checked by the plan (a conflict per account), not here.
    static func ruleProblems(_ rules: [DepartureRule], teamIDs: Set<String>) -> [Problem] {
        rules.enumerated().compactMap { index, rule in
            if (rule.recipientID == nil) == (rule.teamID == nil) {
                return Problem(path: "rules[\(index)]", message: "give either recipientID (a member) or teamID (a team), not both or neither")
            }
            if let teamID = rule.teamID, !teamIDs.contains(teamID) {
                return Problem(path: "rules[\(index)].teamID", message: "no team \(teamID) in this organization")
            }
            return nil
        }
    }

    // MARK: Applying

    /// Applies (or, dated later than today, schedules) a departure. With `idempotencyKey`: the
    /// same key and request answer the stored response again without applying anything; the
    /// key with another request is 422; while the first is still running, 409.
    public func apply(_ request: DepartureRequest, idempotencyKey: String?, by actor: Member) async throws -> Response {
        let leaver = try await leaver(request.memberID, by: actor)
        try Self.checkDeactivation(request, leaver: leaver, by: actor)
        return try await idempotent.run(
            key: idempotencyKey, organizationID: actor.organizationID, actorID: actor.id, operation: "departure.apply",
            digest: try CanonicalJSON.digest(request)
        ) { completion in
            try await applyOnce(request, leaver: leaver, completion: completion, by: actor)
        }
    }

    func applyOnce(
        _ request: DepartureRequest, leaver: Member, completion: (_ status: Int, _ body: String) -> IdempotencyCompletion?, by actor: Member
    ) async throws -> Response {
        let (plan, inputs, members) = try await plan(request, leaver: leaver, checkDate: true)
        if !plan.conflicts.isEmpty && !request.skipConflicts {
            throw DepartureError.conflictsRemain(plan.conflicts)
        }
        let now = clock.now()
        let id = ids.next(at: now)
        let requestJSON = String(decoding: try WireJSON.encoder.encode(request), as: UTF8.self)
        if let day = request.effectiveOn, day > CalendarDate(now) {
            let summary = DepartureSummary(
                id: id, memberID: leaver.id, effectiveOn: day, state: "scheduled", handoversCreated: 0, briefingsReassigned: 0, skipped: plan.conflicts,
                accessGrantsListed: plan.pointers.accessGrants.count, soleReaderSecrets: plan.pointers.soleReaderSecrets.count, createdAt: now, appliedAt: nil)
            let body = String(decoding: try WireJSON.encoder.encode(summary), as: UTF8.self)
            let record = DepartureRecord(
                id: id, organizationID: leaver.organizationID, memberID: leaver.id, effectiveOn: day, state: .scheduled, request: requestJSON, summary: body,
                createdBy: actor.id, createdAt: now, appliedAt: nil)
            let job = NewJob(
                organizationID: leaver.organizationID, kind: JobKind.departureApply, payload: #"{"departure":"\#(id)"}"#, runAfter: day.startOfDayUTC,
                dedupeKey: "\(JobKind.departureApply):\(id)")
            try await store.scheduleDeparture(
                record, job: job,
                idempotency: completion(202, body),
                by: AuditActor(member: actor.id))
            return Response(status: 202, body: body, replayed: false)
        }
        let (change, body) = try await build(
            plan, inputs: inputs, members: members, leaver: leaver, id: id, request: requestJSON, createdAt: now, actor: AuditActor(member: actor.id),
            actorID: actor.id, deactivate: request.deactivate)
        var write = change
        write.idempotency = completion(201, body)
        try await fault?()
        try await store.applyDeparture(write)
        return Response(status: 201, body: body, replayed: false)
    }

    /// Every row of an apply, built in memory before the one transaction that writes them.
    func build(
        _ plan: DeparturePlan, inputs: DepartureInputs, members: [Member], leaver: Member, id: String, request: String, createdAt: Date, actor: AuditActor,
        actorID: String, deactivate: Bool = false
    ) async throws -> (DepartureWrite, String) {
        let now = clock.now()
        let members = Member.namesByID(members)
        var versions: [String: Int] = [:]
        for key in Set(plan.applicable.map(\.templateKey)) {
            versions[key] = try await templates.template(key: key, version: nil, organizationID: leaver.organizationID).version
        }
        // Ids and choices only: the store builds each packet from the profile, a chunk at a
        // time inside the transaction (a 100,000-account apply stays in bounded memory).
        var lines: [BulkHandoverLine] = []
        var names: [String: String] = [:]
        lines.reserveCapacity(plan.applicable.count)
        for line in plan.applicable {
            guard let recipientID = line.recipientID else { continue }
            names[recipientID] = members[recipientID] ?? ""
            lines.append(
                BulkHandoverLine(
                    handoverID: ids.next(at: now), eventID: ids.next(at: now), accountID: line.accountID, templateKey: line.templateKey,
                    templateVersion: versions[line.templateKey] ?? 1, ownerID: leaver.id, recipientID: recipientID))
        }
        var (briefings, notices) = try await briefingChanges(plan, leaver: leaver, at: now)
        let handoverVersions = Dictionary(inputs.incoming.map { ($0.handoverID, $0.version) }, uniquingKeysWith: { a, _ in a })
        let redirects = plan.pointers.incomingHandovers.compactMap { pointer in
            pointer.recipientID.map {
                DepartureRedirect(handoverID: pointer.id, expectedVersion: handoverVersions[pointer.id] ?? 0, recipientID: $0, eventID: ids.next(at: now))
            }
        }
        notices += try await redirectNotices(redirects, incoming: inputs.incoming, organizationID: leaver.organizationID, actorID: actorID, at: now)
        let attended = try await redirectedBriefingChanges(redirects, leaver: leaver, at: now)
        briefings += attended.changes
        notices += attended.notices
        let summary = DepartureSummary(
            id: id, memberID: leaver.id, effectiveOn: plan.effectiveOn, state: "applied", handoversCreated: lines.count,
            briefingsReassigned: briefings.count, skipped: plan.conflicts, accessGrantsListed: plan.pointers.accessGrants.count,
            soleReaderSecrets: plan.pointers.soleReaderSecrets.count, handoversRedirected: redirects.count, leaverDeactivated: deactivate, createdAt: createdAt,
            appliedAt: now)
        let body = String(decoding: try WireJSON.encoder.encode(summary), as: UTF8.self)
        let record = DepartureRecord(
            id: id, organizationID: leaver.organizationID, memberID: leaver.id, effectiveOn: plan.effectiveOn, state: .applied, request: request,
            summary: body, createdBy: actorID, createdAt: createdAt, appliedAt: now)
        return (
            DepartureWrite(
                departure: record, leaver: leaver, lines: lines, recipientNames: names, actorID: actorID, skipped: plan.conflicts.count,
                briefings: briefings, redirects: redirects, deactivateLeaver: deactivate, notices: notices, actor: actor, at: now, idempotency: nil), body
        )
    }

    /// The new recipient of a handover already submitted hears of it as of a submission to them
    /// (a draft or a returned one reaches them when it is submitted).
    func redirectNotices(
        _ redirects: [DepartureRedirect], incoming: [DepartureIncoming], organizationID: String, actorID: String, at now: Date
    ) async throws -> [Notice] {
        let submitted = Set(incoming.filter { $0.state == .submitted }.map(\.handoverID))
        var notices: [Notice] = []
        for redirect in redirects where submitted.contains(redirect.handoverID) {
            guard var handover = try await store.handover(id: redirect.handoverID, organizationID: organizationID),
                let account = try await store.account(id: handover.accountID, organizationID: organizationID),
                let transferor = try await store.member(id: handover.transferorID, organizationID: organizationID),
                let recipient = try await store.member(id: redirect.recipientID, organizationID: organizationID)
            else { continue }
            handover.recipientID = recipient.id
            if let notice = NotificationMails.submitted(
                handover: handover, account: account, transferor: transferor, recipient: recipient, publicURL: mail.publicURL, id: ids.next(at: now), at: now)
            {
                notices.append(notice)
            }
        }
        return Notice.forEvent(notices, actorID: actorID)
    }

    /// `departure.apply`: a scheduled departure on its day. Re-planned then (the accounts may
    /// have changed since), conflicts skipped and said in its summary; one already applied is
    /// left alone, and the apply's one transaction means a killed run left nothing behind.
    public func applyScheduled(_ job: Job) async throws {
        guard let organizationID = job.organizationID,
            let payload = try? JSONDecoder().decode([String: String].self, from: Data(job.payload.utf8)), let id = payload["departure"],
            let record = try await store.departure(id: id, organizationID: organizationID)
        else { return }
        guard record.state == .scheduled else { return }
        var request = try WireJSON.decoder.decode(DepartureRequest.self, from: Data(record.request.utf8))
        request.skipConflicts = true
        guard let leaver = try await store.member(id: record.memberID, organizationID: organizationID) else { return }
        // It applies with its creator's authority, so that authority must still hold on the day.
        let creator = try await store.member(id: record.createdBy, organizationID: organizationID)
        if let reason = Self.lostAuthority(creator, leaver: leaver, deactivating: request.deactivate) {
            var summary = Self.summary(record)
            summary?.state = DepartureRecord.State.failed.rawValue
            summary?.failureReason = reason
            let body = try summary.map { String(decoding: try WireJSON.encoder.encode($0), as: UTF8.self) } ?? record.summary
            _ = try await store.failDeparture(id: record.id, organizationID: organizationID, summary: body, reason: reason, at: clock.now())
            return
        }
        // Its rules were checked when it was scheduled; a team deleted since plans as a conflict
        // (those accounts skipped and said), never as a refusal that would fail the job every day.
        let (plan, inputs, members) = try await plan(request, leaver: leaver, checkDate: false, checkRules: false)
        let (change, _) = try await build(
            plan, inputs: inputs, members: members, leaver: leaver, id: record.id, request: record.request, createdAt: record.createdAt,
            actor: AuditActor(member: record.createdBy),
            actorID: record.createdBy, deactivate: request.deactivate)
        try await fault?()
        try await store.applyDeparture(change)
    }

    /// The identity provider deprovisioned `leaver` (SCIM, Docs/SCIM.md): their accounts handed
    /// over now by the organization's deprovisioning `rules`, else to their manager (the
    /// planner's fallback), conflicts skipped, once per `key` (a retried request replays). Nil
    /// when nothing points at them (no accounts, no handovers sent to them, no briefings they
    /// organize): no departure then. The audit log names the connection; the
    /// handovers' `create` events, which must name a member, and the departure's creator name
    /// the leaver, from whom the handovers are.
    public func applyDeprovisioning(leaver: Member, rules: [DepartureRule] = [], idempotencyKey key: String, by actor: AuditActor) async throws -> Response? {
        let request = DepartureRequest(memberID: leaver.id, rules: rules, skipConflicts: true)
        let (plan, inputs, members) = try await plan(request, leaver: leaver, checkDate: false, checkRules: false)
        if inputs.accounts.isEmpty && inputs.incoming.isEmpty && inputs.pointers.briefings.isEmpty { return nil }
        // The key names one deactivation; the digest leaves the rules out, so a retry after an
        // admin changed them replays what was done instead of failing as "a different request",
        // and the claim's actor is the deprovisioning itself, not the connection: a retry
        // through a new connection (the token rotated) replays too.
        return try await idempotent.run(
            key: key, organizationID: leaver.organizationID, actorID: "scim:deprovisioning", operation: "departure.apply",
            digest: try CanonicalJSON.digest(DepartureRequest(memberID: leaver.id, skipConflicts: true))
        ) { completion in
            let now = clock.now()
            let requestJSON = String(decoding: try WireJSON.encoder.encode(request), as: UTF8.self)
            var (write, body) = try await build(
                plan, inputs: inputs, members: members, leaver: leaver, id: ids.next(at: now), request: requestJSON, createdAt: now, actor: actor,
                actorID: leaver.id)
            write.idempotency = completion(201, body)
            try await fault?()
            try await store.applyDeparture(write)
            return Response(status: 201, body: body, replayed: false)
        }
    }

    /// Why whoever scheduled a departure may no longer apply it on its day, or nil if they may.
    static func lostAuthority(_ creator: Member?, leaver: Member, deactivating: Bool = false) -> String? {
        guard let creator else { return "whoever scheduled it is no longer a member; schedule it again" }
        guard creator.isActive else { return "\(creator.name), who scheduled it, has been deactivated; an admin must schedule it again" }
        guard creator.role == .admin || (creator.role == .manager && leaver.managerID == creator.id) else {
            return "\(creator.name), who scheduled it, is no longer an admin or \(leaver.name)'s manager; an admin must schedule it again"
        }
        if deactivating && creator.role != .admin {
            return "\(creator.name), who scheduled it, is no longer an admin, and only an admin deactivates; an admin must schedule it again"
        }
        return nil
    }

    // MARK: Cancelling

    /// Cancels a scheduled departure (admins and the leaver's manager): its job then does
    /// nothing. 409 once it has been applied (or cancelled, or failed); another organization's id is 404.
    public func cancel(id: String, by actor: Member) async throws -> DepartureSummary {
        guard let record = try await store.departure(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("departure \(id)") }
        let leaver = try await store.member(id: record.memberID, organizationID: actor.organizationID)
        guard actor.role == .admin || (actor.role == .manager && leaver?.managerID == actor.id) else {
            throw HandoverError.notPermitted(action: "cancel this departure", reason: "only an admin or the member's manager cancels a departure")
        }
        let cancelled = try await store.cancelDeparture(id: id, organizationID: actor.organizationID, at: clock.now(), by: AuditActor(member: actor.id))
        guard let summary = Self.summary(cancelled) else { throw StoreError.damaged("departure \(id) has an unreadable summary") }
        return summary
    }

    // MARK: Reading

    public func departures(by actor: Member, limit: Int = 100) async throws -> [DepartureSummary] {
        guard actor.role == .admin || actor.role == .manager || actor.role == .auditor else {
            throw HandoverError.notPermitted(action: "list departures", reason: "only admins, managers and auditors see departures")
        }
        return try await store.departures(organizationID: actor.organizationID, limit: limit).compactMap(Self.summary)
    }

    public func departure(id: String, by actor: Member) async throws -> DepartureSummary {
        guard actor.role == .admin || actor.role == .manager || actor.role == .auditor,
            let record = try await store.departure(id: id, organizationID: actor.organizationID), let summary = Self.summary(record)
        else { throw StoreError.notFound("departure \(id)") }
        return summary
    }

    /// The handovers a departure created (at most `limit`; none before it applied), for whoever
    /// may see the departure.
    public func handovers(departureID: String, by actor: Member, limit: Int = 500) async throws -> [Handover] {
        _ = try await departure(id: departureID, by: actor)
        guard let record = try await store.departure(id: departureID, organizationID: actor.organizationID) else { return [] }
        return try await store.departureHandovers(record, limit: limit)
    }

    /// The stored summary, with the row's state (a cancelled one's summary was written when it was scheduled).
    static func summary(_ record: DepartureRecord) -> DepartureSummary? {
        var summary = try? WireJSON.decoder.decode(DepartureSummary.self, from: Data(record.summary.utf8))
        summary?.state = record.state.rawValue
        return summary
    }
}

extension CalendarDate {
    /// Midnight UTC at the start of this day: when a job dated this day becomes due.
    var startOfDayUTC: Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: year, month: month, day: day)) ?? Date()
    }
}
