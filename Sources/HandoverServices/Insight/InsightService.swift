import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust
import Synchronization

/// Quality dashboards and documentation audits (Docs/Insight.md). A refresh (the
/// `insight.refresh` job) reads every handover of an organization once and stores a snapshot:
/// the tallies by month, team and template, and the audit's findings. Pages and the API read
/// the snapshot, so a dashboard costs the same at 100 handovers or 100,000.
public struct InsightService: Sendable {
    let store: any HandoverStore
    let templates: TemplateService
    let clock: WallClock
    let cache = SnapshotCache()

    /// Handovers read per step of a refresh: one step's contents in memory at a time.
    static let pageSize = 1_000
    /// Every organization's snapshot is refreshed at least this often (`insight.schedule`).
    public static let refreshInterval: TimeInterval = 3600
    /// Findings on one page of the audit, and at most in one CSV export.
    public static let findingsPageSize = 100
    public static let exportLimit = 100_000

    public init(store: any HandoverStore, templates: TemplateService, clock: WallClock) {
        self.store = store
        self.templates = templates
        self.clock = clock
    }

    // MARK: Who may

    /// Admins, auditors and managers read the dashboards (counts, never contents) and the
    /// audit; a manager's audit lists only the handovers they may see.
    static func checkRead(_ actor: Member) throws {
        guard actor.role != .member else {
            throw HandoverError.notPermitted(action: "read the quality dashboards", reason: "only managers, auditors and admins read them")
        }
    }

    static func checkRefresh(_ actor: Member) throws {
        guard actor.role == .admin || actor.role == .manager else {
            throw HandoverError.notPermitted(action: "refresh the quality dashboards", reason: "only managers and admins ask for a refresh")
        }
    }

    // MARK: Reading

    /// The organization's snapshot, or nil before its first refresh.
    public func snapshot(by actor: Member) async throws -> QualitySnapshot? {
        try Self.checkRead(actor)
        return try await currentSnapshot(organizationID: actor.organizationID)
    }

    /// The dashboard for `filter`; nil before the first refresh. Unknown teams or templates,
    /// and months not written `YYYY-MM`, are a 422 at the parameter's name.
    public func report(filter: InsightFilter, by actor: Member) async throws -> (snapshot: QualitySnapshot, report: QualityReport)? {
        try Self.checkRead(actor)
        guard let snapshot = try await currentSnapshot(organizationID: actor.organizationID) else {
            try Self.check(filter, against: nil)
            return nil
        }
        try Self.check(filter, against: snapshot)
        return (snapshot, QualityReport.build(snapshot, filter: filter))
    }

    /// A page of the audit's findings, newest completion first, with how many match in all.
    public func findings(filter: InsightFilter, rule: DocumentationRule?, limit: Int, offset: Int, by actor: Member) async throws -> (
        findings: [DocumentationFinding], total: Int
    ) {
        try Self.checkRead(actor)
        try Self.check(filter, against: try await currentSnapshot(organizationID: actor.organizationID))
        return try await store.documentationFindings(
            organizationID: actor.organizationID,
            filter: DocumentationFilter(insight: filter, rule: rule, viewer: actor, limit: min(max(1, limit), Self.exportLimit), offset: max(0, offset)))
    }

    /// The names a page of findings shows: its accounts' and its members'.
    public func names(of findings: [DocumentationFinding], by actor: Member) async throws -> (accounts: [String: String], members: [String: String]) {
        try Self.checkRead(actor)
        let accountIDs = Array(Set(findings.map(\.accountID)))
        async let accounts = store.accountNames(ids: accountIDs, organizationID: actor.organizationID)
        let members = try await store.members(organizationID: actor.organizationID)
        return (try await accounts, Member.namesByID(members))
    }

    static func check(_ filter: InsightFilter, against snapshot: QualitySnapshot?) throws {
        var problems = filter.problems
        if let team = filter.teamID, !(snapshot?.teams.contains { $0.id == team } ?? false) {
            problems.append(Problem(path: "team", message: "is not a team of this organization (as of the last refresh)"))
        }
        if let key = filter.templateKey, !(snapshot?.templates.contains { $0.id == key } ?? false) {
            problems.append(Problem(path: "template", message: "no handover of this organization uses template \"\(key)\" (as of the last refresh)"))
        }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
    }

    /// The stored snapshot, decoded once per refresh per process: a read costs one indexed
    /// query for its time while the cached copy is current.
    func currentSnapshot(organizationID: String) async throws -> QualitySnapshot? {
        guard let computedAt = try await store.insightComputedAt(organizationID: organizationID) else { return nil }
        if let cached = cache.get(organizationID), cached.computedAt == computedAt { return cached }
        guard let snapshot = try await store.insightSnapshot(organizationID: organizationID) else { return nil }
        cache.put(organizationID, snapshot)
        return snapshot
    }

    // MARK: Refreshing

    /// Queues the hourly schedule's first run, now (a no-op when one is pending): `handover serve` at start-up.
    public func scheduleJobs() async throws {
        try await store.enqueueJobs([InsightJobs.scheduleJob(at: clock.now())])
    }

    /// Queues a refresh of the actor's organization now (at most one waits per organization).
    public func requestRefresh(by actor: Member) async throws {
        try Self.checkRefresh(actor)
        try await store.enqueueJobs([InsightJobs.refreshJob(organizationID: actor.organizationID, at: clock.now())])
    }

    /// Computes and stores the organization's snapshot and findings (the `insight.refresh`
    /// job's work): every handover read once, a page at a time.
    @discardableResult
    public func refresh(organizationID: String) async throws -> QualitySnapshot {
        let started = ContinuousClock.now
        // Whole milliseconds, as the store keeps it, so the cached copy compares equal to the stored time.
        let now = Date(millis: clock.now().millis)
        let evidence = try await store.insightEvidence(organizationID: organizationID)
        let library = try await templates.templates(organizationID: organizationID)
        let byVersion = Dictionary(library.map { ("\($0.key)@\($0.version)", $0) }, uniquingKeysWith: { a, _ in a })
        var names: [String: String] = [:]
        var accumulator = QualityAccumulator()
        var findings: [DocumentationFinding] = []
        var count = 0
        var after: String?
        while true {
            let page = try await store.insightHandovers(organizationID: organizationID, afterID: after, limit: Self.pageSize)
            for handover in page {
                let template = byVersion["\(handover.templateKey)@\(handover.templateVersion)"]
                names[handover.templateKey] = template?.name ?? names[handover.templateKey] ?? handover.templateKey
                let facts = try Self.facts(handover, evidence: evidence, template: template)
                accumulator.add(
                    QualityMeasures.tally(facts, template: template, now: now), begun: handover.createdAt, templateKey: handover.templateKey,
                    teamIDs: evidence.teamsOfMember[handover.transferorID] ?? [])
                findings += DocumentationAudit.findings(facts, template: template)
            }
            count += page.count
            guard page.count == Self.pageSize, let last = page.last else { break }
            after = last.id
        }
        let took = ContinuousClock.now - started
        let snapshot = QualitySnapshot(
            computedAt: now, tookMillis: Int(took.components.seconds * 1000 + took.components.attoseconds / 1_000_000_000_000_000), handovers: count,
            findings: findings.count, buckets: accumulator.buckets, teams: evidence.teams,
            templates: names.map { QualitySnapshot.NamedRef(id: $0.key, name: $0.value) }.sorted { ($0.name, $0.id) < ($1.name, $1.id) })
        try await store.saveInsight(snapshot, findings: findings, organizationID: organizationID)
        cache.put(organizationID, snapshot)
        return snapshot
    }

    /// One handover's facts from the refresh's grouped reads. A sign-off counts when it signed
    /// the content as it stands (its digest) with a key not revoked, as `countingSignoffs` has it.
    static func facts(_ handover: Handover, evidence: InsightEvidence, template: Template?) throws -> HandoverFacts {
        let id = handover.id
        var facts = HandoverFacts(handover: handover)
        facts.returns = evidence.returns[id] ?? 0
        facts.questionsAfterAcknowledgment = evidence.questionsAfter[id] ?? 0
        facts.briefingsHeld = evidence.briefingsHeld[id] ?? 0
        facts.briefingsPlanned = evidence.briefingsPlanned[id] ?? 0
        if let signoffs = evidence.signoffs[id], !signoffs.isEmpty {
            let digest = try CanonicalJSON.digest(handover.content)
            let current = signoffs.filter { $0.digest == digest }
            facts.signedRoles = Set(current.map(\.role))
            facts.lastSignedAt = current.filter { template?.requiredSignoffs.contains($0.role) ?? true }.map(\.signedAt).max()
        }
        facts.surveys = evidence.surveys[id] ?? []
        facts.accessLines = evidence.accessLines[id] ?? []
        facts.exposures = evidence.exposures[id] ?? []
        facts.recipientSaidNotEnough = evidence.notEnough.contains(id)
        facts.accountOutcomes = evidence.outcomes[handover.accountID] ?? []
        return facts
    }
}

/// Each organization's last decoded snapshot in this process.
final class SnapshotCache: Sendable {
    private let entries = Mutex([String: QualitySnapshot]())

    func get(_ organizationID: String) -> QualitySnapshot? { entries.withLock { $0[organizationID] } }

    func put(_ organizationID: String, _ snapshot: QualitySnapshot) {
        entries.withLock { entries in
            // Never replace a newer copy with an older one (a slow read racing a refresh).
            if let held = entries[organizationID], held.computedAt > snapshot.computedAt { return }
            entries[organizationID] = snapshot
        }
    }
}
