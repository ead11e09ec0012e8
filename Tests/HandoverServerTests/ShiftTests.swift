import Foundation
import HandoverCore
import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import HandoverWire
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// Shift schedules on both engines: each change of holder drafts the handover from the last
/// shift's packet (open items carried, closed ones and the checklist not), once however often
/// its job runs and on however many replicas; a late acknowledgment tells the managers and
/// fires `sla.breached` once; an open handover holds a change back until it is finished;
/// overrides survive edits; waiting for the acknowledgment keeps the outgoing person on; roles
/// and organizations are checked; the API says it all.
@Suite struct ShiftTests {
    struct World {
        var store: SQLHandoverStore
        var org: OrgFixture
        var clock: PipelineTests.Clock
        var services: Services
        var account: Account
        /// Tomorrow (UTC), the first shift day.
        var day: CalendarDate

        func at(_ hour: Int, minute: Int = 0, plusDays: Int = 0) -> Date {
            day.adding(days: plusDays).startOfDayUTC.addingTimeInterval(TimeInterval(hour * 3600 + minute * 60))
        }

        func set(_ date: Date) { clock.now.withLock { $0 = date } }
    }

    static func world(_ engine: String) async throws -> World {
        let store = try await TestDatabases.store(engine)
        let org = try await OrgFixture.make(in: store)
        let clock = PipelineTests.Clock()
        let services = PipelineTests.services(store, clock: clock)
        let account = try await services.accounts.createAccount(
            name: "Night desk", kind: .service, ownerID: nil,
            profile: AccountProfile(overview: "db-2's disk fills at night", openItems: [OpenItem(title: "Disk alert on db-2", owner: "Alice")]),
            by: org.alice)
        return World(store: store, org: org, clock: clock, services: services, account: account, day: CalendarDate(clock.wall.now()).adding(days: 1))
    }

    /// Day and night shifts from tomorrow 07:00 UTC, Alice then Bob (both report to the manager).
    static func request(_ w: World, rota: [Member]? = nil, ackMinutes: Int = 30, wait: Bool = false) -> ShiftScheduleRequest {
        ShiftScheduleRequest(
            name: "Night desk rota", accountID: w.account.id, rotation: (rota ?? [w.org.alice, w.org.bob]).map(\.email), rule: "FREQ=DAILY",
            startsOn: w.day.description, startTime: "07:00,19:00", duration: "PT12H", timeZone: "UTC", ackMinutes: ackMinutes, waitForAcknowledgment: wait)
    }

    /// The jobs a test has run.
    final class Ran: Sendable {
        let ids = Mutex(Set<String>())
    }

    /// Runs this organization's shift jobs that are due on the test clock, each once, as the
    /// runner would (other tests' jobs on the shared database are left alone). Returns how many ran.
    @discardableResult
    static func runDue(_ w: World, _ ran: Ran, services: Services? = nil) async throws -> Int {
        var count = 0
        while true {
            let now = w.clock.wall.now()
            let due = try await w.store.jobs(filter: JobFilter(states: [.pending], limit: 1000)).filter {
                $0.organizationID == w.org.organization.id && $0.runAfter <= now && ($0.kind == JobKind.shiftChange || $0.kind == JobKind.shiftAcknowledgment)
            }.filter { job in ran.ids.withLock { !$0.contains(job.id) } }.sorted { $0.runAfter < $1.runAfter }
            guard let job = due.first else { return count }
            ran.ids.withLock { _ = $0.insert(job.id) }
            let shifts = (services ?? w.services).shifts
            let handler = job.kind == JobKind.shiftChange ? ShiftJobs.changeHandler(shifts) : ShiftJobs.acknowledgmentHandler(shifts)
            try await handler(job)
            count += 1
        }
    }

    static func openHandover(_ w: World) async throws -> Handover? {
        try await w.store.handovers(
            visibleTo: w.org.admin, filter: HandoverFilter(states: HandoverState.openStates, accountID: w.account.id, limit: 5, includeContent: true)
        ).first
    }

    /// The outgoing person fills the packet in (one item closed, a task, the checklist) and
    /// submits it; the incoming one acknowledges.
    static func fillAndSubmit(_ handover: Handover, _ w: World, by transferor: Member) async throws {
        var patch = HandoverContent()
        var items: [JSONValue] = []
        if case .array(let list)? = handover.content["itemStatus", "items"] { items = list }
        items.append(.object(["title": .string("Pager swap"), "status": .string("done"), "owner": .string(transferor.name)]))
        patch["itemStatus", "items"] = .array(items)
        patch["watchOuts", "watchOuts"] = .string("db-2's disk fills at night; the cleanup job runs at 02:00")
        patch["pendingTasks", "tasks"] = .array([.object(["title": .string("Rotate the logs"), "status": .string("open")])])
        patch["handoverChecklist", "checklist"] = .array([.object(["item": .string("Walk through every item together"), "done": .bool(true)])])
        _ = try await w.services.handovers.edit(id: handover.id, patch: patch, expectedVersion: nil, by: transferor)
        _ = try await w.services.handovers.transition(id: handover.id, event: .submit, expectedVersion: nil, by: transferor)
    }

    static func acknowledge(_ handover: Handover, _ w: World, by recipient: Member) async throws {
        _ = try await w.services.handovers.transition(
            id: handover.id, event: .acknowledge(synthesis: "I hold the night desk now: db-2's disk, the log rotation."), expectedVersion: nil,
            by: recipient)
    }

    @Test(arguments: TestDatabases.engines) func eachChangeDraftsFromTheLastPacketAndALateAcknowledgmentEscalatesOnce(engine: String) async throws {
        let w = try await Self.world(engine)
        defer { Task { try? await w.store.database.close() } }
        let ran = Ran()
        let (hook, _) = try await w.services.webhooks.create(url: "https://example.com/hooks", events: [WebhookEventType.slaBreached], by: w.org.admin)
        let schedule = try await w.services.shifts.create(Self.request(w), by: w.org.manager)
        #expect(schedule.rotation == [w.org.alice.id, w.org.bob.id] && schedule.version == 1)
        var view = try await w.services.shifts.view(id: schedule.id, by: w.org.carol)
        #expect(view.onShift == nil && view.nextChange?.at == w.at(7) && view.nextChange?.to == w.org.alice.id)
        #expect(try await Self.runDue(w, ran) == 0)  // nothing before its time

        // 07:00: Alice comes on, and already holds the account: nothing to hand over.
        w.set(w.at(7))
        #expect(try await Self.runDue(w, ran) == 1)
        #expect(try await w.services.shifts.changes(id: schedule.id, by: w.org.bob).map(\.state) == [.unchanged])
        #expect(try await Self.openHandover(w) == nil)

        // 19:00: Bob comes on: the handover Alice → Bob is drafted from the profile.
        w.set(w.at(19))
        #expect(try await Self.runDue(w, ran) == 1)
        let first = try #require(try await Self.openHandover(w))
        #expect(first.transferorID == w.org.alice.id && first.recipientID == w.org.bob.id && first.templateKey == "shift" && first.state == .draft)
        #expect(first.content["watchOuts", "watchOuts"] == .string("db-2's disk fills at night"))
        let change = try #require(try await w.services.shifts.changes(id: schedule.id, by: w.org.bob).first)
        #expect(change.state == .drafted && change.handoverID == first.id && change.ackDueAt == w.at(19, minute: 30) && change.escalatedAt == nil)
        // A second run of the same change (a retry, another replica) drafts nothing more.
        try await w.services.shifts.change(scheduleID: schedule.id, organizationID: schedule.organizationID, at: w.at(19))
        #expect(try await w.services.shifts.changes(id: schedule.id, by: w.org.bob).count == 2)

        // 19:30 and still a draft: the manager hears of it and sla.breached fires, once.
        w.set(w.at(19, minute: 30))
        #expect(try await Self.runDue(w, ran) == 1)
        try await w.services.shifts.checkAcknowledgment(changeID: change.id, organizationID: schedule.organizationID)
        #expect(try await w.services.shifts.changes(id: schedule.id, by: w.org.bob).first?.escalatedAt == w.at(19, minute: 30))
        let deliveries = try await w.store.webhookDeliveries(subscriptionID: hook.id, organizationID: schedule.organizationID, limit: 10)
        #expect(deliveries.count == 1 && deliveries.first?.type == "sla.breached")
        #expect(deliveries.first?.payload.contains(first.id) == true && deliveries.first?.payload.contains(change.id) == true)
        let mails = try await w.store.outboxMessages(organizationID: schedule.organizationID, filter: OutboxFilter(viewer: nil, handoverID: first.id))
        let escalation = mails.filter { $0.subject == "Not acknowledged: the shift handover of Night desk" }
        #expect(escalation.count == 1 && escalation.first?.to.map(\.address) == [w.org.manager.email])

        // Alice fills it in; Bob acknowledges late; it completes: the account is Bob's.
        try await Self.fillAndSubmit(first, w, by: w.org.alice)
        try await Self.acknowledge(first, w, by: w.org.bob)
        try await PipelineTests.complete(first, store: w.store, services: w.services, by: w.org.bob, at: w.clock.wall.now())
        #expect(try await w.store.account(id: w.account.id, organizationID: schedule.organizationID)?.ownerID == w.org.bob.id)

        // Next day 07:00: Alice again, from Bob's packet: the open items carried, the closed one
        // and the ticked checklist not.
        w.set(w.at(7, plusDays: 1))
        #expect(try await Self.runDue(w, ran) == 1)
        let second = try #require(try await Self.openHandover(w))
        #expect(second.transferorID == w.org.bob.id && second.recipientID == w.org.alice.id)
        let titles = second.content["itemStatus", "items"].flatMap { value -> [String]? in
            guard case .array(let items) = value else { return nil }
            return items.compactMap { if case .object(let o) = $0, case .string(let t)? = o["title"] { t } else { nil } }
        }
        #expect(titles == ["Disk alert on db-2"])
        #expect(second.content["pendingTasks", "tasks"] == .array([.object(["title": .string("Rotate the logs"), "status": .string("open")])]))
        #expect(second.content["watchOuts", "watchOuts"] == .string("db-2's disk fills at night; the cleanup job runs at 02:00"))
        #expect(second.content["handoverChecklist", "checklist"] == nil)
        // Acknowledged in time this shift: no escalation, no second delivery.
        try await Self.fillAndSubmit(second, w, by: w.org.bob)
        try await Self.acknowledge(second, w, by: w.org.alice)
        w.set(w.at(8, plusDays: 1))
        #expect(try await Self.runDue(w, ran) == 1)
        #expect(try await w.services.shifts.changes(id: schedule.id, by: w.org.bob).first?.escalatedAt == nil)
        #expect(try await w.store.webhookDeliveries(subscriptionID: hook.id, organizationID: schedule.organizationID, limit: 10).count == 1)
        // The audit log has the schedule and each change.
        view = try await w.services.shifts.view(id: schedule.id, by: w.org.alice)
        #expect(view.onShift == w.org.alice.id && view.nextChange?.at == w.at(19, plusDays: 1))
    }

    @Test(arguments: TestDatabases.engines) func anOpenHandoverHoldsTheChangeBackUntilItIsFinished(engine: String) async throws {
        let w = try await Self.world(engine)
        defer { Task { try? await w.store.database.close() } }
        let ran = Ran()
        let schedule = try await w.services.shifts.create(Self.request(w), by: w.org.admin)
        w.set(w.at(7))
        try await Self.runDue(w, ran)
        // Someone begins an ordinary handover of the account before 19:00.
        let other = try await w.services.handovers.begin(
            accountID: w.account.id, recipientID: w.org.carol.id, templateKey: "shift", templateVersion: nil, content: nil, by: w.org.alice)
        w.set(w.at(19))
        try await Self.runDue(w, ran)
        var change = try #require(try await w.services.shifts.changes(id: schedule.id, by: w.org.bob).first)
        #expect(change.state == .blocked && change.handoverID == nil && change.reason?.contains("is open") == true)
        #expect(try await Self.openHandover(w)?.id == other.id)  // nothing was cancelled
        // Ten minutes on it is still open: still blocked, tried again later.
        w.set(w.at(19, minute: 10))
        #expect(try await Self.runDue(w, ran) == 1)
        #expect(try await w.services.shifts.changes(id: schedule.id, by: w.org.bob).first?.state == .blocked)
        _ = try await w.services.handovers.transition(id: other.id, event: .cancel(reason: "the rota takes it"), expectedVersion: nil, by: w.org.alice)
        w.set(w.at(19, minute: 20))
        #expect(try await Self.runDue(w, ran) == 1)
        let blockedID = change.id
        change = try #require(try await w.services.shifts.changes(id: schedule.id, by: w.org.bob).first)
        let drafted = try await Self.openHandover(w)
        #expect(change.state == .drafted && change.handoverID == drafted?.id && change.id == blockedID)
        #expect(try await Self.openHandover(w)?.recipientID == w.org.bob.id)
        // Its deadline still counts from 19:00, and names the row: the managers hear of it.
        w.set(w.at(19, minute: 30))
        #expect(try await Self.runDue(w, ran) == 1)
        #expect(try await w.services.shifts.changes(id: schedule.id, by: w.org.bob).first?.escalatedAt == w.at(19, minute: 30))

        // A change whose job runs only after the next shift began (the server was down) is
        // missed, not drafted for a shift that is over; the chain goes on.
        let late = try await w.services.shifts.create(
            ShiftScheduleRequest(
                name: "Late", accountID: w.account.id, rotation: [w.org.carol.email, w.org.bob.email], rule: "FREQ=DAILY", startsOn: w.day.description,
                startTime: "07:00,19:00", duration: "PT12H", timeZone: "UTC"), by: w.org.admin)
        w.set(w.at(7, plusDays: 1))
        try await w.services.shifts.change(scheduleID: late.id, organizationID: late.organizationID, at: w.at(19))
        #expect(try await w.services.shifts.changes(id: late.id, by: w.org.bob).map(\.state) == [.missed])
    }

    @Test(arguments: TestDatabases.engines) func concurrentRunsOfOneChangeDraftOnce(engine: String) async throws {
        let w = try await Self.world(engine)
        defer { Task { try? await w.store.database.close() } }
        let schedule = try await w.services.shifts.create(Self.request(w, rota: [w.org.bob, w.org.alice]), by: w.org.admin)
        w.set(w.at(7))
        // Three replicas, each with its own services and store connection pool, run the 07:00 change at once.
        var replicas: [Services] = []
        var stores: [SQLHandoverStore] = []
        for _ in 0..<3 {
            let store = engine == "sqlite" ? w.store : try await TestDatabases.store(engine)
            if engine != "sqlite" { stores.append(store) }
            replicas.append(PipelineTests.services(store, clock: w.clock))
        }
        defer { Task { [stores] in for store in stores { try? await store.database.close() } } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for replica in replicas {
                group.addTask { try await replica.shifts.change(scheduleID: schedule.id, organizationID: schedule.organizationID, at: w.at(7)) }
            }
            try await group.waitForAll()
        }
        let changes = try await w.services.shifts.changes(id: schedule.id, by: w.org.bob)
        #expect(changes.count == 1 && changes.first?.state == .drafted)
        let open = try await w.store.handovers(
            visibleTo: w.org.admin, filter: HandoverFilter(states: HandoverState.openStates, accountID: w.account.id, limit: 5, includeContent: false))
        #expect(open.count == 1 && open.first?.id == changes.first?.handoverID)
        let pending = try await w.store.jobs(filter: JobFilter(states: [.pending], kind: JobKind.shiftAcknowledgment, limit: 1000)).filter {
            $0.organizationID == schedule.organizationID
        }
        #expect(pending.count == 1)
    }

    /// The cap on overrides still to come is counted in the write that adds one: six at once
    /// against a cap of four leave exactly four, each refusal a conflict that says why.
    @Test(arguments: TestDatabases.engines) func concurrentOverridesCannotPassTheCap(engine: String) async throws {
        let w = try await Self.world(engine)
        defer { Task { try? await w.store.database.close() } }
        let schedule = try await w.services.shifts.create(Self.request(w), by: w.org.admin)
        let now = w.clock.wall.now()
        let outcomes = try await withThrowingTaskGroup(of: String?.self) { group in
            for index in 0..<6 {
                let override = ShiftOverride(
                    id: "cap-\(schedule.id)-\(index)", scheduleID: schedule.id, organizationID: schedule.organizationID, memberID: w.org.bob.id,
                    startsAt: w.at(7, plusDays: index), endsAt: w.at(19, plusDays: index), reason: nil, createdBy: w.org.admin.id, createdAt: now)
                group.addTask {
                    do {
                        try await w.store.addShiftOverride(override, nextChange: nil, pendingLimit: 4)
                        return nil
                    } catch StoreError.conflict(let detail) { return detail }
                }
            }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == nil }.count == 4)
        #expect(outcomes.compactMap { $0 }.allSatisfy { $0.contains("4 overrides still to come") })
        #expect(try await w.store.shiftOverrides(scheduleID: schedule.id, organizationID: schedule.organizationID, endingAfter: now).count == 4)
    }

    @Test(arguments: TestDatabases.engines) func overridesSurviveEditsAndWaitingKeepsTheOutgoingPersonOn(engine: String) async throws {
        let w = try await Self.world(engine)
        defer { Task { try? await w.store.database.close() } }
        let ran = Ran()
        let schedule = try await w.services.shifts.create(Self.request(w, wait: true), by: w.org.manager)
        // Bob takes Alice's first day shift ("take this shift"); 07:00 → 19:00 is his.
        let taken = try await w.services.shifts.addOverride(
            scheduleID: schedule.id, ShiftOverrideRequest(startsAt: w.at(7), endsAt: w.at(19), reason: "swap with Alice"), by: w.org.bob)
        #expect(taken.memberID == w.org.bob.id)
        func holders(_ id: String) async throws -> [String?] {
            try await w.services.shifts.timeline(id: id, from: w.at(7), to: w.at(7, plusDays: 1), by: w.org.carol).map(\.memberID)
        }
        #expect(try await holders(schedule.id) == [w.org.bob.id, w.org.bob.id])  // Bob by the override, then Bob by the rota
        // The rota is edited (Bob first now, and 08:00 starts): the override stays where it was.
        let edited = try await w.services.shifts.update(
            id: schedule.id, ShiftScheduleRequest(rotation: [w.org.bob.id, w.org.alice.id], startTime: "08:00,20:00"), expectedVersion: 1, by: w.org.manager)
        #expect(edited.version == 2 && edited.rotation == [w.org.bob.id, w.org.alice.id])
        let segments = try await w.services.shifts.timeline(id: schedule.id, from: w.at(7), to: w.at(21), by: w.org.carol)
        // 07:00-08:00 and 08:00-19:00 Bob by the override (before the first shift, then over it),
        // 19:00-20:00 Bob by the new rota's first shift, from 20:00 Alice.
        #expect(segments.map(\.memberID) == [w.org.bob.id, w.org.bob.id, w.org.bob.id, w.org.alice.id])
        #expect(segments.prefix(2).allSatisfy { $0.overrideID == taken.id } && segments[1].end == w.at(19) && segments[3].start == w.at(20))
        await #expect(throws: StoreError.self) {  // a stale version
            try await w.services.shifts.update(id: schedule.id, ShiftScheduleRequest(name: "x"), expectedVersion: 1, by: w.org.manager)
        }

        // 07:00: Bob comes on (the override): the handover Alice → Bob, and Alice stays on until Bob acknowledges.
        w.set(w.at(7))
        try await Self.runDue(w, ran)
        let handover = try #require(try await Self.openHandover(w))
        #expect(handover.recipientID == w.org.bob.id)
        var view = try await w.services.shifts.view(id: schedule.id, by: w.org.bob)
        #expect(view.onShift == w.org.alice.id && view.waitingOn == handover.id)
        try await Self.fillAndSubmit(handover, w, by: w.org.alice)
        try await Self.acknowledge(handover, w, by: w.org.bob)
        view = try await w.services.shifts.view(id: schedule.id, by: w.org.bob)
        #expect(view.onShift == w.org.bob.id && view.waitingOn == nil)

        // Removing an override gives the span back to the rota.
        let later = try await w.services.shifts.addOverride(
            scheduleID: schedule.id, ShiftOverrideRequest(memberID: w.org.alice.email, startsAt: w.at(20), endsAt: w.at(8, plusDays: 1)), by: w.org.manager)
        #expect(try await w.services.shifts.timeline(id: schedule.id, from: w.at(21), to: w.at(22), by: w.org.bob).map(\.memberID) == [w.org.alice.id])
        try await w.services.shifts.removeOverride(scheduleID: schedule.id, overrideID: later.id, by: w.org.alice)
        #expect(try await w.services.shifts.timeline(id: schedule.id, from: w.at(21), to: w.at(22), by: w.org.bob).map(\.memberID) == [w.org.alice.id])
        await #expect(throws: StoreError.notFound("override \(later.id) (or it has ended)")) {
            try await w.services.shifts.removeOverride(scheduleID: schedule.id, overrideID: later.id, by: w.org.alice)
        }
        // Stopped: no more changes.
        let stopped = try await w.services.shifts.update(id: schedule.id, ShiftScheduleRequest(state: .stopped), expectedVersion: nil, by: w.org.admin)
        #expect(stopped.state == .stopped)
        w.set(w.at(20))
        try await Self.runDue(w, ran)
        #expect(try await w.services.shifts.changes(id: schedule.id, by: w.org.bob).count == 1)
    }

    @Test(arguments: TestDatabases.engines) func takingTheShiftInProgressHandsItOverNow(engine: String) async throws {
        let w = try await Self.world(engine)
        defer { Task { try? await w.store.database.close() } }
        let ran = Ran()
        let schedule = try await w.services.shifts.create(Self.request(w), by: w.org.admin)
        w.set(w.at(7))
        try await Self.runDue(w, ran)  // Alice on, unchanged
        // 08:00: Bob takes the rest of Alice's shift (from 07:00, which is past: it starts now).
        w.set(w.at(8))
        let taken = try await w.services.shifts.addOverride(scheduleID: schedule.id, ShiftOverrideRequest(startsAt: w.at(7), endsAt: w.at(19)), by: w.org.bob)
        #expect(taken.startsAt == w.at(8))
        #expect(try await Self.runDue(w, ran) == 1)
        let handover = try #require(try await Self.openHandover(w))
        #expect(handover.transferorID == w.org.alice.id && handover.recipientID == w.org.bob.id)
        // 09:00: Bob ends it early: it stays as 08:00-09:00, Alice is on again at once (the change
        // waits for the open handover, as any does).
        w.set(w.at(9))
        try await w.services.shifts.removeOverride(scheduleID: schedule.id, overrideID: taken.id, by: w.org.bob)
        #expect(try await w.services.shifts.view(id: schedule.id, by: w.org.bob).overrides.isEmpty)
        let segments = try await w.services.shifts.timeline(id: schedule.id, from: w.at(7), to: w.at(10), by: w.org.bob)
        #expect(segments.map(\.memberID) == [w.org.alice.id, w.org.bob.id, w.org.alice.id] && segments[1].end == w.at(9))
        #expect(try await Self.runDue(w, ran) == 2)  // the 08:30 deadline (Bob did not acknowledge) and the 09:00 change
        let changes = try await w.services.shifts.changes(id: schedule.id, by: w.org.bob)
        #expect(changes.first?.at == w.at(9) && changes.first?.toMemberID == w.org.alice.id && changes.first?.state == .blocked)

        // One person alone never changes: a job looks again at the horizon, and an edit ends that look.
        let alone = try await w.services.shifts.create(
            ShiftScheduleRequest(
                name: "Alone", accountID: w.account.id, rotation: [w.org.carol.id], rule: "FREQ=DAILY", startsOn: w.day.description, startTime: "07:00",
                duration: "PT8H", timeZone: "UTC"), by: w.org.admin)
        let looks = try await w.store.jobs(filter: JobFilter(states: [.pending], kind: JobKind.shiftChange, limit: 1000)).filter {
            $0.payload.contains(alone.id) && $0.payload.contains("\"scan\":1")
        }
        #expect(looks.count == 1 && looks.first.map { $0.runAfter.timeIntervalSince(w.at(9)) } == ShiftTimeline.horizon)
    }

    @Test func whoMayAndWhatIsRefused() async throws {
        let w = try await Self.world("sqlite")
        defer { Task { try? await w.store.database.close() } }
        let other = try await OrgFixture.make(in: w.store, name: "Other")
        // Every wrong field at once, by its path.
        var bad = Self.request(w)
        (bad.rule, bad.startTime, bad.duration, bad.timeZone, bad.ackMinutes) = ("FREQ=HOURLY", "7am", "12h", "Mars/Base", 0)
        bad.rotation = ["nobody@example.com", w.org.auditor.email, other.alice.email]
        do {
            _ = try await w.services.shifts.create(bad, by: w.org.admin)
            Issue.record("accepted a bad schedule")
        } catch HandoverError.invalid(let problems) {
            #expect(
                Set(problems.map(\.path)) == ["rule", "startTime", "duration", "timeZone", "ackMinutes", "rotation[0]", "rotation[1]", "rotation[2]"],
                "\(problems)")
        }
        await #expect(throws: HandoverError.self) {  // another organization's account
            var request = Self.request(w)
            request.accountID = try await w.services.accounts.createAccount(name: "X", kind: .service, ownerID: nil, profile: AccountProfile(), by: other.alice).id
            return try await w.services.shifts.create(request, by: w.org.admin)
        }
        // Members and auditors manage no schedule; a manager only a rota of themselves and their reports.
        for actor in [w.org.alice, w.org.auditor] {
            await #expect(throws: ShiftService.notPermitted) { try await w.services.shifts.create(Self.request(w), by: actor) }
        }
        await #expect(throws: ShiftService.notPermitted) {
            try await w.services.shifts.create(Self.request(w, rota: [w.org.alice, w.org.carol]), by: w.org.manager)
        }
        // A manager's rota is of an account they or their reports own: not Carol's.
        let carols = try await w.services.accounts.createAccount(name: "Carol's desk", kind: .service, ownerID: nil, profile: AccountProfile(), by: w.org.carol)
        await #expect(throws: ShiftService.notPermitted) {
            var request = Self.request(w)
            request.accountID = carols.id
            return try await w.services.shifts.create(request, by: w.org.manager)
        }
        for day in ["1500-03-02", "1999-12-31", CalendarDate(Date()).adding(days: 4000).description] {
            await #expect(throws: HandoverError.self) {
                var request = Self.request(w)
                request.startsOn = day
                return try await w.services.shifts.create(request, by: w.org.admin)
            }
        }
        let schedule = try await w.services.shifts.create(Self.request(w), by: w.org.manager)
        await #expect(throws: ShiftService.notPermitted) {
            try await w.services.shifts.update(id: schedule.id, ShiftScheduleRequest(rotation: [w.org.carol.id]), expectedVersion: nil, by: w.org.manager)
        }
        // Carol is not in the rota: she cannot take a shift; Alice cannot put Bob on.
        let span = ShiftOverrideRequest(startsAt: w.at(7), endsAt: w.at(19))
        await #expect(throws: HandoverError.self) { try await w.services.shifts.addOverride(scheduleID: schedule.id, span, by: w.org.carol) }
        var forBob = span
        forBob.memberID = w.org.bob.id
        await #expect(throws: HandoverError.self) { try await w.services.shifts.addOverride(scheduleID: schedule.id, forBob, by: w.org.alice) }
        // Spans that are backwards, over, or too long.
        for (from, to) in [
            (w.at(19), w.at(7)), (w.at(7, plusDays: -3), w.at(7, plusDays: -2)), (w.at(7), w.at(7, plusDays: 40)),
            (w.at(7, plusDays: 400), w.at(19, plusDays: 400)),
        ] {
            await #expect(throws: HandoverError.self) {
                try await w.services.shifts.addOverride(scheduleID: schedule.id, ShiftOverrideRequest(startsAt: from, endsAt: to), by: w.org.alice)
            }
        }
        let taken = try await w.services.shifts.addOverride(scheduleID: schedule.id, span, by: w.org.alice)
        await #expect(throws: HandoverError.self) {  // Bob did not make it and it is not his
            try await w.services.shifts.removeOverride(scheduleID: schedule.id, overrideID: taken.id, by: w.org.bob)
        }
        // Another organization's id is unknown, for every verb.
        await #expect(throws: StoreError.notFound("shift schedule \(schedule.id)")) { try await w.services.shifts.view(id: schedule.id, by: other.admin) }
        await #expect(throws: StoreError.notFound("shift schedule \(schedule.id)")) {
            try await w.services.shifts.update(id: schedule.id, ShiftScheduleRequest(name: "x"), expectedVersion: nil, by: other.admin)
        }
        await #expect(throws: StoreError.notFound("shift schedule \(schedule.id)")) {
            try await w.services.shifts.addOverride(scheduleID: schedule.id, span, by: other.admin)
        }
        #expect(try await w.services.shifts.schedules(by: other.admin).isEmpty)
        #expect(try await w.services.shifts.schedules(by: w.org.carol).map(\.id) == [schedule.id])
    }

    @Test func theAPICreatesReadsEditsAndOverrides() async throws {
        let f = try await APIFixture.make()
        let services = Services(store: f.store, logKeys: try LogKeys(secret: Array(repeating: 9, count: 32)))
        let account = try await services.accounts.createAccount(name: "Ops", kind: .service, ownerID: nil, profile: AccountProfile(), by: f.org.alice)
        let day = CalendarDate(Date()).adding(days: 1)
        let body = """
            {"name": "Ops rota", "accountID": "\(account.id)", "rotation": ["\(f.org.alice.email)", "\(f.org.bob.email)"], "rule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
             "startsOn": "\(day)", "startTime": "09:00", "duration": "PT8H", "timeZone": "Europe/Paris", "ackMinutes": 15}
            """
        try await f.test { client in
            let schedule = try await client.execute(
                uri: "/api/v1/shift-schedules", method: .post, headers: f.headers(f.org.manager), body: ByteBuffer(string: body)
            ) { r in
                #expect(r.status == .created && r.headers[.eTag] == "\"v1\"")
                return try r.decode(ShiftSchedule.self)
            }
            try await client.execute(uri: "/api/v1/shift-schedules", method: .post, headers: f.headers(f.org.alice), body: ByteBuffer(string: body)) { r in
                #expect(r.status == .forbidden)
            }
            let broken = body.replacingOccurrences(of: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", with: "FREQ=YEARLY")
            try await client.execute(uri: "/api/v1/shift-schedules", method: .post, headers: f.headers(f.org.manager), body: ByteBuffer(string: broken)) { r in
                #expect(r.status == .unprocessableContent && r.problem?.errors?.first?.path == "rule")
            }
            try await client.execute(
                uri: "/api/v1/shift-schedules", method: .post, headers: f.headers(f.org.manager), body: ByteBuffer(string: #"{"name": "x", "colour": "red"}"#)
            ) { r in #expect(r.status == .badRequest) }
            try await client.execute(uri: "/api/v1/shift-schedules?accountID=\(account.id)", method: .get, headers: f.headers(f.org.carol)) { r in
                let items = try r.decode(ListResponse<ShiftSchedule>.self).items
                #expect(items.map(\.id) == [schedule.id])
            }
            try await client.execute(uri: "/api/v1/shift-schedules/\(schedule.id)", method: .get, headers: f.headers(f.org.bob)) { r in
                let view = try r.decode(ShiftScheduleResponse.self)
                #expect(view.schedule.id == schedule.id && view.nextChange?.to == f.org.alice.id)
            }
            try await client.execute(uri: "/api/v1/shift-schedules/\(schedule.id)", method: .get, headers: f.headers(f.other.admin)) { r in
                #expect(r.status == .notFound)
            }
            var stale = f.headers(f.org.manager)
            stale[.ifMatch] = "\"v7\""
            try await client.execute(
                uri: "/api/v1/shift-schedules/\(schedule.id)", method: .patch, headers: stale, body: ByteBuffer(string: #"{"ackMinutes": 20}"#)
            ) { r in #expect(r.status == .preconditionFailed) }
            var current = f.headers(f.org.manager)
            current[.ifMatch] = "\"v1\""
            try await client.execute(
                uri: "/api/v1/shift-schedules/\(schedule.id)", method: .patch, headers: current, body: ByteBuffer(string: #"{"ackMinutes": 20}"#)
            ) { r in
                #expect(r.status == .ok && r.headers[.eTag] == "\"v2\"")
                let saved = try r.decode(ShiftSchedule.self)
                #expect(saved.ackMinutes == 20)
            }
            let start = Timestamp.format(day.adding(days: 7).startOfDayUTC.addingTimeInterval(8 * 3600))
            let end = Timestamp.format(day.adding(days: 7).startOfDayUTC.addingTimeInterval(16 * 3600))
            let override = try await client.execute(
                uri: "/api/v1/shift-schedules/\(schedule.id)/overrides", method: .post, headers: f.headers(f.org.bob),
                body: ByteBuffer(string: #"{"startsAt": "\#(start)", "endsAt": "\#(end)", "reason": "swap"}"#)
            ) { r in
                #expect(r.status == .created)
                return try r.decode(ShiftOverride.self)
            }
            try await client.execute(
                uri: "/api/v1/shift-schedules/\(schedule.id)/timeline?from=\(start)&to=\(end)", method: .get, headers: f.headers(f.org.carol)
            ) { r in
                let spans = try r.decode(ListResponse<ShiftTimeline.Segment>.self).items
                #expect(spans.map(\.memberID) == [f.org.bob.id] && spans.first?.overrideID == override.id)
            }
            try await client.execute(
                uri: "/api/v1/shift-schedules/\(schedule.id)/timeline?from=yesterday", method: .get, headers: f.headers(f.org.carol)
            ) { r in #expect(r.status == .badRequest) }
            try await client.execute(
                uri: "/api/v1/shift-schedules/\(schedule.id)/timeline?from=\(start)&to=\(Timestamp.format(Date().addingTimeInterval(400 * 86_400)))",
                method: .get, headers: f.headers(f.org.carol)
            ) { r in #expect(r.status == .unprocessableContent) }
            try await client.execute(uri: "/api/v1/shift-schedules/\(schedule.id)/changes", method: .get, headers: f.headers(f.org.carol)) { r in
                let changes = try r.decode(ListResponse<ShiftChangeRecord>.self).items
                #expect(changes.isEmpty)
            }
            try await client.execute(
                uri: "/api/v1/shift-schedules/\(schedule.id)/overrides/\(override.id)", method: .delete, headers: f.headers(f.org.carol)
            ) { r in #expect(r.status == .forbidden) }
            try await client.execute(
                uri: "/api/v1/shift-schedules/\(schedule.id)/overrides/\(override.id)", method: .delete, headers: f.headers(f.org.bob)
            ) { r in #expect(r.status == .noContent) }
        }
    }
}
