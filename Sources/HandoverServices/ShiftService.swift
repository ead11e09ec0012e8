import Foundation
import HandoverCore
import HandoverStore

/// A schedule as read: the rows, who is on shift now, and the next change.
public struct ShiftScheduleView: Sendable, Hashable {
    public var schedule: ShiftSchedule
    /// Who holds the shift now (with `waitForAcknowledgment`, the outgoing person until the
    /// incoming one acknowledges); nil in a gap between shifts.
    public var onShift: String?
    /// The handover the outgoing person waits on, when `waitForAcknowledgment` keeps them on.
    public var waitingOn: String?
    public var nextChange: ShiftTimeline.Change?
    public var overrides: [ShiftOverride]
}

/// Shift schedules (issue 16, part 5; Docs/Shifts.md): rotas of an account, overrides laid over
/// them, and at each change of holder a handover drafted from the previous shift's packet, with
/// an acknowledgment deadline that tells the managers (and fires `sla.breached`) when missed.
public struct ShiftService: Sendable {
    let store: any HandoverStore
    let handovers: HandoverService
    let clock: WallClock
    let ids: IDMaker
    let mail: MailSettings

    /// How often a change blocked by another open handover of the account is tried again.
    static let blockedRetry: TimeInterval = 600

    // MARK: Schedules

    /// Creates a schedule: admins, or a manager whose rota is themselves and their reports.
    public func create(_ request: ShiftScheduleRequest, by actor: Member) async throws -> ShiftSchedule {
        var problems: [Problem] = []
        func required(_ value: String?, _ path: String) -> String {
            guard let value = value?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                problems.append(Problem(path: path, message: "is required"))
                return ""
            }
            return value
        }
        let name = required(request.name, "name")
        let accountID = required(request.accountID, "accountID")
        let rule = required(request.rule, "rule")
        let startsOn = required(request.startsOn, "startsOn")
        let startTime = required(request.startTime, "startTime")
        let duration = required(request.duration, "duration")
        let timeZone = required(request.timeZone, "timeZone")
        if request.state == .stopped { problems.append(Problem(path: "state", message: "a new schedule is active: stop it with an edit")) }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        let now = clock.now()
        let draft = ShiftSchedule(
            id: ids.next(at: now), organizationID: actor.organizationID, name: name, accountID: accountID, teamID: request.teamID,
            rotation: request.rotation ?? [], rule: rule, startsOn: CalendarDate(startsOn) ?? CalendarDate(now), startTime: startTime, duration: duration,
            timeZone: timeZone, ackMinutes: request.ackMinutes ?? 30, waitForAcknowledgment: request.waitForAcknowledgment ?? false,
            templateKey: request.templateKey, createdBy: actor.id, createdAt: now, updatedAt: now)
        let schedule = try await checked(draft, startsOn: startsOn, fillFromTeam: request.rotation == nil, by: actor)
        try await store.createShiftSchedule(schedule, nextChange: try await nextChangeJob(schedule, after: now))
        return schedule
    }

    /// Edits a schedule (only the fields sent); `expectedVersion` guards a read-modify-write.
    /// Overrides are not touched: they are absolute times and lie over the new rota as over the
    /// old. The change already pending finds nothing at its instant if the edit moved it.
    public func update(id: String, _ request: ShiftScheduleRequest, expectedVersion: Int?, by actor: Member) async throws -> ShiftSchedule {
        let current = try await schedule(id: id, by: actor)
        guard try await mayManage(current.rotation, by: actor) else { throw Self.notPermitted }
        if let version = expectedVersion, version != current.version {
            throw StoreError.stale("shift schedule \(id) is at version \(current.version), not \(version)")
        }
        if let accountID = request.accountID, accountID != current.accountID {
            throw HandoverError.invalid([Problem(path: "accountID", message: "a schedule stays with its account: create a new schedule for another")])
        }
        var edited = current
        if let name = request.name { edited.name = name.trimmingCharacters(in: .whitespacesAndNewlines) }
        if let teamID = request.teamID { edited.teamID = teamID.isEmpty ? nil : teamID }
        if let rotation = request.rotation { edited.rotation = rotation }
        if let rule = request.rule { edited.rule = rule }
        if let startTime = request.startTime { edited.startTime = startTime }
        if let duration = request.duration { edited.duration = duration }
        if let timeZone = request.timeZone { edited.timeZone = timeZone }
        if let ackMinutes = request.ackMinutes { edited.ackMinutes = ackMinutes }
        if let wait = request.waitForAcknowledgment { edited.waitForAcknowledgment = wait }
        if let templateKey = request.templateKey { edited.templateKey = templateKey.isEmpty ? nil : templateKey }
        if let state = request.state { edited.state = state }
        let now = clock.now()
        edited.version = current.version + 1
        edited.updatedAt = now
        let schedule = try await checked(
            edited, startsOn: request.startsOn ?? current.startsOn.description, fillFromTeam: request.rotation == nil && request.teamID != nil, by: actor)
        try await store.updateShiftSchedule(
            schedule, expectedVersion: current.version, nextChange: try await nextChangeJob(schedule, after: now), by: AuditActor(member: actor.id))
        return schedule
    }

    /// Checks every field against the organization, naming each problem; resolves the rota's
    /// emails to ids (a team and no rota: the team's members, in its order).
    func checked(_ draft: ShiftSchedule, startsOn: String, fillFromTeam: Bool, by actor: Member) async throws -> ShiftSchedule {
        var schedule = draft
        var problems: [Problem] = []
        if schedule.name.isEmpty || schedule.name.count > 200 { problems.append(Problem(path: "name", message: "is 1 to 200 characters")) }
        let today = CalendarDate(clock.now())
        if let day = CalendarDate(startsOn), day >= Self.earliestStart, day <= today.adding(days: 3660) {
            schedule.startsOn = day
        } else {
            problems.append(Problem(path: "startsOn", message: "is a day, YYYY-MM-DD, from 2000-01-01 to ten years from today"))
        }
        if !ShiftSchedule.ackMinutesRange.contains(schedule.ackMinutes) {
            problems.append(Problem(path: "ackMinutes", message: "is from 1 to \(ShiftSchedule.ackMinutesRange.upperBound) minutes (a week)"))
        }
        if case .failure(.invalid(let found)) = schedule.pattern { problems += found }
        let account = try await store.account(id: schedule.accountID, organizationID: actor.organizationID)
        if account == nil { problems.append(Problem(path: "accountID", message: "no account \(schedule.accountID) in this organization")) }
        var team: Team?
        if let teamID = schedule.teamID {
            team = try await store.team(id: teamID, organizationID: actor.organizationID)
            if team == nil { problems.append(Problem(path: "teamID", message: "no team \(teamID) in this organization")) }
        }
        if let team, fillFromTeam { schedule.rotation = team.memberIDs }
        let members = try await store.members(organizationID: actor.organizationID)
        var rotation: [String] = []
        for (index, name) in schedule.rotation.enumerated() {
            let key = Member.normalizedEmail(name)
            guard let member = members.first(where: { $0.id == name || Member.normalizedEmail($0.email) == key }) else {
                problems.append(Problem(path: "rotation[\(index)]", message: "no member \"\(name)\" in this organization"))
                continue
            }
            if !member.isActive { problems.append(Problem(path: "rotation[\(index)]", message: "\(member.name) is deactivated")) }
            if member.role == .auditor { problems.append(Problem(path: "rotation[\(index)]", message: "an auditor holds no shifts")) }
            if let team, !team.memberIDs.contains(member.id) {
                problems.append(Problem(path: "rotation[\(index)]", message: "\(member.name) is not in team \(team.name)"))
            }
            rotation.append(member.id)
        }
        if schedule.rotation.isEmpty { problems.append(Problem(path: "rotation", message: "names at least one member (or give a team with members)")) }
        if schedule.rotation.count > ShiftSchedule.maxRotation {
            problems.append(Problem(path: "rotation", message: "names at most \(ShiftSchedule.maxRotation) members"))
        }
        if let key = schedule.templateKey {
            do {
                _ = try await handovers.templates.template(key: key, version: nil, organizationID: actor.organizationID)
            } catch StoreError.notFound {
                problems.append(Problem(path: "templateKey", message: "no template \(key)"))
            }
        }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        schedule.rotation = rotation
        guard try await mayManage(rotation, by: actor) else { throw Self.notPermitted }
        // A manager's rota is of an account they steer (theirs or a report's): a schedule drafts
        // handovers from its owner, which is beginning handovers of it.
        if actor.role == .manager, let account, let owner = members.first(where: { $0.id == account.ownerID }),
            !Access.canBeginHandover(of: account, owner: owner, actor: actor)
        {
            throw Self.notPermitted
        }
        return schedule
    }

    static let notPermitted = HandoverError.notPermitted(
        action: "manage this schedule",
        reason: "admins manage schedules, and managers those of an account they or their reports own, whose rota is themselves and their reports")

    /// Shifts before this are refused: the calendar arithmetic is Gregorian from here on, and
    /// nobody's rota began earlier.
    static let earliestStart = CalendarDate("2000-01-01")!

    /// Admins; a manager when every member of the rota is them or reports to them.
    func mayManage(_ rotation: [String], by actor: Member) async throws -> Bool {
        switch actor.role {
        case .admin: return true
        case .manager:
            let members = try await store.members(organizationID: actor.organizationID)
            return rotation.allSatisfy { id in id == actor.id || members.first { $0.id == id }?.managerID == actor.id }
        default: return false
        }
    }

    /// Every member of the organization reads its rotas (who is on call is not a secret
    /// within it); another organization's id is 404.
    public func schedule(id: String, by actor: Member) async throws -> ShiftSchedule {
        guard let schedule = try await store.shiftSchedule(id: id, organizationID: actor.organizationID) else {
            throw StoreError.notFound("shift schedule \(id)")
        }
        return schedule
    }

    public func schedules(accountID: String? = nil, by actor: Member) async throws -> [ShiftSchedule] {
        try await store.shiftSchedules(organizationID: actor.organizationID, accountID: accountID)
    }

    /// The schedule with who is on shift now, the next change and the overrides to come.
    public func view(id: String, by actor: Member) async throws -> ShiftScheduleView {
        try await view(of: try await schedule(id: id, by: actor), by: actor)
    }

    /// Every schedule of the organization (of `accountID`, when given) as `view` reads one.
    public func views(accountID: String? = nil, by actor: Member) async throws -> [ShiftScheduleView] {
        var views: [ShiftScheduleView] = []
        for schedule in try await schedules(accountID: accountID, by: actor) { views.append(try await view(of: schedule, by: actor)) }
        return views
    }

    func view(of schedule: ShiftSchedule, by actor: Member) async throws -> ShiftScheduleView {
        let id = schedule.id
        let now = clock.now()
        let overrides = try await store.shiftOverrides(scheduleID: id, organizationID: actor.organizationID, endingAfter: now.addingTimeInterval(-ShiftTimeline.horizon))
        var view = ShiftScheduleView(schedule: schedule, onShift: nil, waitingOn: nil, nextChange: nil, overrides: overrides.filter { $0.endsAt > now })
        guard schedule.state == .active, case .success(let pattern) = schedule.pattern else { return view }
        let timeline = ShiftTimeline(pattern: pattern, rotation: schedule.rotation, overrides: overrides)
        view.onShift = timeline.holder(at: now)
        view.nextChange = timeline.nextChange(after: now)
        if schedule.waitForAcknowledgment, let last = try await store.shiftChanges(scheduleID: id, organizationID: actor.organizationID, limit: 1).first,
            last.at <= now, last.state == .drafted, let handoverID = last.handoverID,
            let handover = try await store.handover(id: handoverID, organizationID: actor.organizationID), Self.awaitingAcknowledgment(handover.state)
        {
            view.onShift = last.fromMemberID
            view.waitingOn = handoverID
        }
        return view
    }

    static func awaitingAcknowledgment(_ state: HandoverState) -> Bool {
        state == .draft || state == .submitted || state == .returned
    }

    /// The spans of `[from, to)` (at most 62 days; default the week from now) and who holds each.
    public func timeline(id: String, from: Date? = nil, to: Date? = nil, by actor: Member) async throws -> [ShiftTimeline.Segment] {
        let schedule = try await schedule(id: id, by: actor)
        let from = from ?? clock.now()
        let to = to ?? from.addingTimeInterval(7 * 86_400)
        guard to > from, to.timeIntervalSince(from) <= 62 * 86_400 else {
            throw HandoverError.invalid([Problem(path: "to", message: "is after from, and at most 62 days after it")])
        }
        guard case .success(let pattern) = schedule.pattern else { return [] }
        let overrides = try await store.shiftOverrides(scheduleID: id, organizationID: actor.organizationID, endingAfter: from)
        return ShiftTimeline(pattern: pattern, rotation: schedule.rotation, overrides: overrides).segments(from: from, to: to)
    }

    public func changes(id: String, limit: Int = 50, by actor: Member) async throws -> [ShiftChangeRecord] {
        let schedule = try await schedule(id: id, by: actor)
        return try await store.shiftChanges(scheduleID: schedule.id, organizationID: actor.organizationID, limit: limit)
    }

    // MARK: Overrides

    /// "I take this shift" (no member: the actor, who must be in the rota or the schedule's
    /// team), or a manager who manages the schedule putting someone on, for a span that ends in
    /// the future and lasts at most 31 days.
    public func addOverride(scheduleID: String, _ request: ShiftOverrideRequest, by actor: Member) async throws -> ShiftOverride {
        let schedule = try await schedule(id: scheduleID, by: actor)
        // Whole milliseconds, as stored: the change the override makes now is at this very instant.
        let now = Date(millis: clock.now().millis)
        let memberID = request.memberID ?? actor.id
        let member = try await store.members(organizationID: actor.organizationID).first {
            $0.id == memberID || Member.normalizedEmail($0.email) == Member.normalizedEmail(memberID)
        }
        var problems: [Problem] = []
        if let member {
            if !member.isActive { problems.append(Problem(path: "memberID", message: "\(member.name) is deactivated")) }
            if member.role == .auditor { problems.append(Problem(path: "memberID", message: "an auditor holds no shifts")) }
        } else {
            problems.append(Problem(path: "memberID", message: "no member \(memberID) in this organization"))
        }
        if request.endsAt <= request.startsAt { problems.append(Problem(path: "endsAt", message: "is after startsAt")) }
        if request.endsAt <= now { problems.append(Problem(path: "endsAt", message: "is in the future: an override of the past changes nothing")) }
        if request.endsAt.timeIntervalSince(request.startsAt) > ShiftOverride.maxLength {
            problems.append(Problem(path: "endsAt", message: "is at most 31 days after startsAt: a longer absence is a change of rota"))
        }
        if request.startsAt > now.addingTimeInterval(366 * 86_400) {
            problems.append(Problem(path: "startsAt", message: "is at most a year ahead"))
        }
        if let reason = request.reason, reason.count > 500 { problems.append(Problem(path: "reason", message: "is at most 500 characters")) }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        guard let member else { throw HandoverError.invalid(problems) }
        let own = member.id == actor.id ? try await mayTake(schedule, by: actor) : false
        let manages = try await mayManage(schedule.rotation + [member.id], by: actor)
        guard own || manages else {
            throw HandoverError.notPermitted(
                action: "put someone on this schedule", reason: "members of its rota take shifts themselves; its managers put others on")
        }
        let override = ShiftOverride(
            id: ids.next(at: now), scheduleID: schedule.id, organizationID: actor.organizationID, memberID: member.id, startsAt: max(request.startsAt, now),
            endsAt: request.endsAt, reason: request.reason?.trimmingCharacters(in: .whitespacesAndNewlines), createdBy: actor.id, createdAt: now)
        let overrides = try await store.shiftOverrides(scheduleID: schedule.id, organizationID: actor.organizationID, endingAfter: now) + [override]
        // An override that begins now changes the holder now: look from just before. The store
        // counts those still to come in its write (two at once cannot both pass the cap).
        try await store.addShiftOverride(
            override, nextChange: try await nextChangeJob(schedule, after: now.addingTimeInterval(-0.001), overrides: overrides),
            pendingLimit: ShiftOverride.maxPending)
        return override
    }

    /// Whether `actor` may take shifts of `schedule` themselves: a member of its rota or of its
    /// team (the web offers "Take this shift" only then).
    public func mayTake(_ schedule: ShiftSchedule, by actor: Member) async throws -> Bool {
        guard actor.role != .auditor, actor.isActive else { return false }
        if schedule.rotation.contains(actor.id) { return true }
        guard let teamID = schedule.teamID, let team = try await store.team(id: teamID, organizationID: actor.organizationID) else { return false }
        return team.memberIDs.contains(actor.id)
    }

    /// Whether `actor` may remove `override` (the web offers "Remove" only then).
    public func mayRemove(_ override: ShiftOverride, of schedule: ShiftSchedule, by actor: Member) async throws -> Bool {
        if override.memberID == actor.id || override.createdBy == actor.id { return true }
        return try await mayManage(schedule.rotation + [override.memberID], by: actor)
    }

    /// Removes an override that has not ended: its member, whoever made it, or a manager of
    /// the schedule.
    /// One that has begun is ended now instead: the span so far stays as history, and the rota
    /// (or an older override) takes over at once, with its change of shift.
    public func removeOverride(scheduleID: String, overrideID: String, by actor: Member) async throws {
        let schedule = try await schedule(id: scheduleID, by: actor)
        let now = Date(millis: clock.now().millis)
        let current = try await store.shiftOverrides(scheduleID: schedule.id, organizationID: actor.organizationID, endingAfter: now)
        guard let override = current.first(where: { $0.id == overrideID }) else { throw StoreError.notFound("override \(overrideID) (or it has ended)") }
        guard try await mayRemove(override, of: schedule, by: actor) else {
            throw HandoverError.notPermitted(action: "remove this override", reason: "its member, whoever made it, or a manager of the schedule removes it")
        }
        var rest = current.filter { $0.id != overrideID }
        var ended: Date?
        if override.startsAt < now {
            var cut = override
            cut.endsAt = now
            rest.append(cut)
            ended = now
        }
        _ = try await store.removeShiftOverride(
            override, endingAt: ended, nextChange: try await nextChangeJob(schedule, after: now.addingTimeInterval(-0.001), overrides: rest), at: now,
            by: AuditActor(member: actor.id))
    }

    // MARK: The change of shift

    /// The job of the first change after `instant`, as the schedule (and `overrides`, or the
    /// stored ones) make it; nil when stopped. When nobody else comes on within the horizon (a
    /// one-person rota), a job to look again then: the chain of changes never ends by itself.
    func nextChangeJob(_ schedule: ShiftSchedule, after instant: Date, overrides: [ShiftOverride]? = nil) async throws -> NewJob? {
        guard schedule.state == .active, case .success(let pattern) = schedule.pattern else { return nil }
        var overrides = overrides
        if overrides == nil {
            overrides = try await store.shiftOverrides(
                scheduleID: schedule.id, organizationID: schedule.organizationID, endingAfter: instant.addingTimeInterval(-ShiftTimeline.horizon))
        }
        let next = ShiftTimeline(pattern: pattern, rotation: schedule.rotation, overrides: overrides ?? []).nextChange(after: instant)
        return Self.job(for: next, after: instant, schedule)
    }

    /// The job of `next`, or with none in sight, the job to look again at the horizon.
    static func job(for next: ShiftTimeline.Change?, after instant: Date, _ schedule: ShiftSchedule) -> NewJob {
        guard let next else {
            let later = instant.addingTimeInterval(ShiftTimeline.horizon)
            return NewJob(
                organizationID: schedule.organizationID, kind: JobKind.shiftChange,
                payload: #"{"schedule":"\#(schedule.id)","at":\#(later.millis),"scan":\#(schedule.version)}"#, runAfter: later,
                dedupeKey: "\(JobKind.shiftChange):\(schedule.id):scan:\(later.millis)")
        }
        return changeJob(schedule, at: next.at)
    }

    /// A look-again job's day: the next change from then on, unless the schedule was edited
    /// since (the edit scheduled its own).
    public func lookAgain(scheduleID: String, organizationID: String, at instant: Date, version: Int) async throws {
        guard let schedule = try await store.shiftSchedule(id: scheduleID, organizationID: organizationID), schedule.version == version,
            let job = try await nextChangeJob(schedule, after: instant)
        else { return }
        try await store.enqueueJobs([job])
    }

    static func changeJob(_ schedule: ShiftSchedule, at instant: Date, retry: Bool = false, now: Date? = nil) -> NewJob {
        NewJob(
            organizationID: schedule.organizationID, kind: JobKind.shiftChange, payload: #"{"schedule":"\#(schedule.id)","at":\#(instant.millis)}"#,
            runAfter: retry ? (now ?? instant).addingTimeInterval(blockedRetry) : instant,
            dedupeKey: "\(JobKind.shiftChange):\(schedule.id):\(instant.millis)" + (retry ? ":retry:\((now ?? instant).millis / 600_000)" : ""))
    }

    /// `shift.change`: the change at `at` of a schedule, if the timeline still has one there.
    /// Drafts the handover from whoever holds the account to the incoming person, from the
    /// previous shift's packet (its open items carried over) or, the first time, from the
    /// account's profile; enqueues the acknowledgment check and the next change. All in one
    /// write, which a second run finds done.
    public func change(scheduleID: String, organizationID: String, at instant: Date) async throws {
        guard let schedule = try await store.shiftSchedule(id: scheduleID, organizationID: organizationID), schedule.state == .active,
            case .success(let pattern) = schedule.pattern
        else { return }
        let overrides = try await store.shiftOverrides(
            scheduleID: scheduleID, organizationID: organizationID, endingAfter: instant.addingTimeInterval(-ShiftTimeline.horizon))
        let timeline = ShiftTimeline(pattern: pattern, rotation: schedule.rotation, overrides: overrides)
        let now = clock.now()
        let actor = AuditActor.job(JobKind.shiftChange)
        // A retry of a blocked change keeps its row (and its id, which the deadline's job names).
        let earlier = try await store.shiftChange(scheduleID: scheduleID, organizationID: organizationID, at: instant)
        guard let change = timeline.change(at: instant) else {
            // An edit moved this change away: a change still waiting here is over.
            if var blocked = earlier, blocked.state == .blocked {
                (blocked.state, blocked.reason) = (.missed, "the schedule changed: there is no change of shift at this time any more")
                _ = try await store.recordShiftChange(blocked, handover: nil, record: nil, jobs: [], by: actor)
            }
            return
        }
        let next = timeline.nextChange(after: instant)
        var jobs = [Self.job(for: next, after: instant, schedule)]
        // The chain goes on even if drafting this change keeps failing (its job then dies).
        try await store.enqueueJobs(jobs)
        guard let account = try await store.account(id: schedule.accountID, organizationID: organizationID) else { return }
        var record = ShiftChangeRecord(
            id: earlier?.id ?? ids.next(at: now), scheduleID: scheduleID, organizationID: organizationID, at: instant, fromMemberID: account.ownerID,
            toMemberID: change.to, handoverID: nil, state: .drafted, ackDueAt: instant.addingTimeInterval(TimeInterval(schedule.ackMinutes * 60)))
        let incoming = try await store.member(id: change.to, organizationID: organizationID)
        let open = try await store.openHandoverID(accountID: account.id, organizationID: organizationID)
        if let next, now >= next.at {
            (record.state, record.reason) = (.missed, "the shift was over before its handover could be drafted")
        } else if next == nil, now >= instant.addingTimeInterval(Self.longestWait) {
            (record.state, record.reason) = (.missed, "nothing could be drafted for a week")
        } else if let incoming, !incoming.isActive || incoming.role == .auditor {
            (record.state, record.reason) = (.missed, "\(incoming.name) cannot take the shift (deactivated, or an auditor): change the rota or add an override")
        } else if incoming == nil {
            (record.state, record.reason) = (.missed, "the incoming member is gone")
        } else if open != nil {
            // The last shift's handover, not finished (even if it goes back to whoever comes on):
            // a person decides about it; this change waits.
            (record.state, record.reason) = (
                .blocked, "another handover of \(account.name) is open: the change is drafted once it is finished or cancelled (tried every 10 minutes)"
            )
        } else if account.ownerID == change.to {
            record.state = .unchanged
        }
        guard record.state == .drafted, let incoming else {
            if record.state == .blocked { jobs.append(Self.changeJob(schedule, at: instant, retry: true, now: now)) }
            _ = try await store.recordShiftChange(record, handover: nil, record: nil, jobs: jobs, by: actor)
            return
        }
        let templateKey = schedule.templateKey ?? TemplateLibrary.defaultKey(for: account.kind)
        let template = try await handovers.templates.template(key: templateKey, version: nil, organizationID: organizationID)
        let content: HandoverContent
        if let previous = try await previousPacket(scheduleID: scheduleID, organizationID: organizationID) {
            content = ShiftPacket.carryOver(previous.content, template: template)
        } else {
            let holder = try await store.member(id: account.ownerID, organizationID: organizationID)
            content = holder.map { DeparturePlanner.prefill(account: account, templateKey: template.key, leaver: $0, recipientName: incoming.name) } ?? HandoverContent()
        }
        let handover = Handover(
            id: ids.next(at: now), organizationID: organizationID, accountID: account.id, templateKey: template.key, templateVersion: template.version,
            transferorID: account.ownerID, recipientID: incoming.id, content: content, createdAt: now, updatedAt: now)
        // The holder hands over (a cover's handback says the same); the note says the rota drafted it.
        let event = HandoverEventRecord(
            id: ids.next(at: now), handoverID: handover.id, organizationID: organizationID, actorID: account.ownerID, event: "create", handoverVersion: 1,
            fromState: nil, toState: .draft, note: "drafted by the shift change of \(schedule.name) at \(Timestamp.format(instant))", at: now)
        let check = NewJob(
            organizationID: organizationID, kind: JobKind.shiftAcknowledgment, payload: #"{"change":"\#(record.id)"}"#, runAfter: record.ackDueAt,
            dedupeKey: "\(JobKind.shiftAcknowledgment):\(record.id)")
        do {
            _ = try await store.recordShiftChange(record, handover: handover, record: event, jobs: jobs + [check], by: actor)
        } catch StoreError.conflict {
            // A handover of the account was opened between the read and the write: as above.
            (record.state, record.reason) = (
                .blocked, "another handover of \(account.name) is open: the change is drafted once it is finished or cancelled (tried every 10 minutes)"
            )
            jobs.append(Self.changeJob(schedule, at: instant, retry: true, now: now))
            _ = try await store.recordShiftChange(record, handover: nil, record: nil, jobs: jobs, by: actor)
        }
    }

    /// How long a blocked change with no next change to end it is tried.
    static let longestWait: TimeInterval = 7 * 86_400

    /// The newest shift handover of the schedule, whatever became of it: the outgoing person's
    /// packet is where the next one starts.
    func previousPacket(scheduleID: String, organizationID: String) async throws -> Handover? {
        for change in try await store.shiftChanges(scheduleID: scheduleID, organizationID: organizationID, limit: 20) {
            if let id = change.handoverID, let handover = try await store.handover(id: id, organizationID: organizationID) { return handover }
        }
        return nil
    }

    /// `shift.ack-check`: the incoming person had `ackMinutes`. If their handover is still not
    /// acknowledged (draft, submitted or returned), the managers of both parties (or the
    /// admins) are told and `sla.breached` fires, once.
    public func checkAcknowledgment(changeID: String, organizationID: String) async throws {
        guard let change = try await store.shiftChange(id: changeID, organizationID: organizationID), change.state == .drafted, change.escalatedAt == nil,
            let handoverID = change.handoverID, let (handover, parties) = try await store.handoverWithParties(id: handoverID, organizationID: organizationID),
            Self.awaitingAcknowledgment(handover.state),
            let schedule = try await store.shiftSchedule(id: change.scheduleID, organizationID: organizationID),
            let account = try await store.account(id: handover.accountID, organizationID: organizationID)
        else { return }
        let now = clock.now()
        let managers = try await NotificationService.managers(of: parties, organizationID: organizationID, store: store)
        let notices = Notice.forEvent(
            managers.map {
                NotificationMails.shiftUnacknowledged(
                    handover: handover, account: account, parties: parties, scheduleName: schedule.name, dueAt: change.ackDueAt, to: $0,
                    publicURL: mail.publicURL, id: ids.next(at: now), at: now)
            }, actorID: nil)
        let webhook = WebhookEvent(
            organizationID: organizationID, type: WebhookEventType.slaBreached, timestamp: now,
            data: [
                "schedule": schedule.id, "change": change.id, "handover": handover.id, "account": account.id, "transferor": handover.transferorID,
                "recipient": handover.recipientID, "state": handover.state.rawValue, "dueAt": Timestamp.format(change.ackDueAt),
                "changeAt": Timestamp.format(change.at),
            ])
        _ = try await store.escalateShiftChange(id: change.id, organizationID: organizationID, notices: notices, webhook: webhook, at: now)
    }
}

/// `shift.change` and `shift.ack-check` (ShiftService).
public enum ShiftJobs {
    struct ChangePayload: Decodable {
        var schedule: String
        var at: Int64
        /// A look-again job (`nextChangeJob`): the schedule's version when it was made.
        var scan: Int?
    }

    public static func changeHandler(_ shifts: ShiftService) -> JobHandler {
        { job in
            guard let organizationID = job.organizationID, let payload = try? JSONDecoder().decode(ChangePayload.self, from: Data(job.payload.utf8)) else {
                return
            }
            if let version = payload.scan {
                try await shifts.lookAgain(scheduleID: payload.schedule, organizationID: organizationID, at: Date(millis: payload.at), version: version)
            } else {
                try await shifts.change(scheduleID: payload.schedule, organizationID: organizationID, at: Date(millis: payload.at))
            }
        }
    }

    public static func acknowledgmentHandler(_ shifts: ShiftService) -> JobHandler {
        { job in
            guard let organizationID = job.organizationID,
                let payload = try? JSONDecoder().decode([String: String].self, from: Data(job.payload.utf8)), let id = payload["change"]
            else { return }
            try await shifts.checkAcknowledgment(changeID: id, organizationID: organizationID)
        }
    }
}
