import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust
import HandoverWire

/// Realignments: many accounts change hands at once, from a CSV or rules (issue 16, part 2).
/// The plan is pure (`RealignmentPlanner`); this reads what it needs, checks who may ask, and
/// applies it in one transaction behind an `Idempotency-Key`, like a departure.
public struct RealignmentService: Sendable {
    let store: any HandoverStore
    let templates: TemplateService
    let clock: WallClock
    let ids: IDMaker
    let idempotent: IdempotentApply
    /// At most this many bytes of CSV (about 100,000 rows of ids, emails and short notes).
    public static let maxCSVBytes = 16 << 20

    init(store: any HandoverStore, templates: TemplateService, clock: WallClock, ids: IDMaker, idempotencyLease: TimeInterval) {
        self.store = store
        self.templates = templates
        self.clock = clock
        self.ids = ids
        self.idempotent = IdempotentApply(store: store, clock: clock, lease: idempotencyLease)
    }

    /// Admins realign any account, managers those they or their direct reports own. The edges
    /// ask this before reading a request's body, which may be a file of many megabytes.
    public func mayRealign(_ actor: Member) throws {
        guard actor.role == .admin || actor.role == .manager else {
            throw HandoverError.notPermitted(action: "realign accounts", reason: "only admins and managers realign accounts")
        }
    }

    /// The dry run: every bad row (with its line) refuses it as 422, like the apply would.
    public func preview(_ request: RealignmentRequest, by actor: Member) async throws -> RealignmentPlan {
        try mayRealign(actor)
        return try await plan(request, by: actor).plan
    }

    func plan(_ request: RealignmentRequest, by actor: Member) async throws -> (plan: RealignmentPlan, members: [Member]) {
        let csv = request.csv.flatMap { $0.isEmpty ? nil : $0 }
        if (csv == nil) == request.rules.isEmpty {
            throw HandoverError.invalid([Problem(path: "csv", message: "give either csv (account,new_owner rows) or rules, not both or neither")])
        }
        var problems: [Problem] = []
        if let csv, csv.utf8.count > Self.maxCSVBytes {
            problems.append(Problem(path: "csv", message: "the CSV is \(csv.utf8.count) bytes; at most \(Self.maxCSVBytes): split it"))
        }
        if csv != nil && !request.owners.isEmpty {
            problems.append(Problem(path: "owners", message: "owners narrows rules; a CSV names its accounts itself"))
        }
        let members = try await store.members(organizationID: actor.organizationID)
        let memberIDs = Set(members.map(\.id))
        for (index, owner) in request.owners.enumerated() where !memberIDs.contains(owner) {
            problems.append(Problem(path: "owners[\(index)]", message: "no member \(owner) in this organization"))
        }
        let teams = try await DepartureService.teamMembers(for: request.rules, organizationID: actor.organizationID, store: store)
        problems += DepartureService.ruleProblems(request.rules, teamIDs: Set(teams.keys))
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        let inputs = try await store.realignmentInputs(organizationID: actor.organizationID, owners: request.owners)
        let result: (plan: RealignmentPlan, problems: [Problem])
        if let csv {
            let keys = Set(try await templates.templates(organizationID: actor.organizationID).map(\.key))
            result = RealignmentPlanner.fromCSV(
                csv, actor: actor, accounts: inputs.accounts, members: members, templates: keys, openHandovers: inputs.openHandovers)
        } else {
            result = RealignmentPlanner.fromRules(
                request.rules, actor: actor, accounts: inputs.accounts, members: members, teams: teams, load: inputs.load,
                openHandovers: inputs.openHandovers)
        }
        if !result.problems.isEmpty { throw HandoverError.invalid(result.problems) }
        return (result.plan, members)
    }

    /// Applies a realignment: refused (422) while conflicts remain unless `skipConflicts`, and
    /// when nothing would move. With `idempotencyKey`, Stripe's semantics (`IdempotentApply`).
    public func apply(_ request: RealignmentRequest, idempotencyKey: String?, by actor: Member) async throws -> IdempotentResponse {
        try mayRealign(actor)
        return try await idempotent.run(
            key: idempotencyKey, organizationID: actor.organizationID, actorID: actor.id, operation: "realignment.apply",
            digest: try CanonicalJSON.digest(request)
        ) { completion in
            let (plan, members) = try await self.plan(request, by: actor)
            if !plan.conflicts.isEmpty && !request.skipConflicts {
                throw DepartureError.conflictsRemain(plan.conflicts)
            }
            let applicable = plan.applicable
            if applicable.isEmpty {
                throw HandoverError.invalid([
                    Problem(path: request.csv == nil ? "rules" : "csv", message: "nothing to move: every account named already has its new owner, or was skipped")
                ])
            }
            let now = clock.now()
            let id = ids.next(at: now)
            var versions: [String: Int] = [:]
            for key in Set(applicable.map(\.templateKey)) {
                versions[key] = try await templates.template(key: key, version: nil, organizationID: actor.organizationID).version
            }
            let byID = Dictionary(members.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            var owners: [String: Member] = [:]
            var names: [String: String] = [:]
            let lines = applicable.map { line in
                owners[line.fromID] = byID[line.fromID]
                names[line.toID] = byID[line.toID]?.name ?? ""
                return BulkHandoverLine(
                    handoverID: ids.next(at: now), eventID: ids.next(at: now), accountID: line.accountID, templateKey: line.templateKey,
                    templateVersion: versions[line.templateKey] ?? 1, ownerID: line.fromID, recipientID: line.toID, note: line.note)
            }
            let source = request.csv == nil ? "rules" : "csv"
            let summary = RealignmentSummary(
                id: id, source: source, state: "applied", handoversCreated: lines.count, unchanged: plan.unchanged, skipped: plan.conflicts,
                createdBy: actor.id, createdAt: now, appliedAt: now)
            let body = String(decoding: try WireJSON.encoder.encode(summary), as: UTF8.self)
            let record = RealignmentRecord(
                id: id, organizationID: actor.organizationID, source: source, request: String(decoding: try WireJSON.encoder.encode(request), as: UTF8.self),
                summary: body, createdBy: actor.id, createdAt: now)
            try await store.applyRealignment(
                RealignmentWrite(
                    record: record,
                    handovers: BulkHandovers(
                        organizationID: actor.organizationID, lines: lines, owners: owners, recipientNames: names, actorID: actor.id,
                        eventNote: "realignment \(id)", actor: AuditActor(member: actor.id), at: now),
                    skipped: plan.conflicts.count, idempotency: completion(201, body)))
            return IdempotentResponse(status: 201, body: body, replayed: false)
        }
    }

    // MARK: Reading

    func mayRead(_ actor: Member) throws {
        guard actor.role == .admin || actor.role == .manager || actor.role == .auditor else {
            throw HandoverError.notPermitted(action: "see realignments", reason: "only admins, managers and auditors see realignments")
        }
    }

    public func realignments(by actor: Member, limit: Int = 100) async throws -> [RealignmentSummary] {
        try mayRead(actor)
        return try await store.realignments(organizationID: actor.organizationID, limit: limit).compactMap(Self.summary)
    }

    /// Another organization's id, or one the actor may not see, is 404.
    public func realignment(id: String, by actor: Member) async throws -> RealignmentSummary {
        guard (try? mayRead(actor)) != nil, let record = try await store.realignment(id: id, organizationID: actor.organizationID),
            let summary = Self.summary(record)
        else { throw StoreError.notFound("realignment \(id)") }
        return summary
    }

    /// The handovers a realignment drafted (without content), at most `limit`.
    public func handovers(realignmentID id: String, by actor: Member, limit: Int = 500) async throws -> [Handover] {
        guard (try? mayRead(actor)) != nil, let record = try await store.realignment(id: id, organizationID: actor.organizationID) else {
            throw StoreError.notFound("realignment \(id)")
        }
        return try await store.realignmentHandovers(record, limit: limit)
    }

    static func summary(_ record: RealignmentRecord) -> RealignmentSummary? {
        try? WireJSON.decoder.decode(RealignmentSummary.self, from: Data(record.summary.utf8))
    }
}
