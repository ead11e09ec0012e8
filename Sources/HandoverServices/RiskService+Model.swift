import Foundation
import HandoverCore
import HandoverStore

/// The flags with the model's reading beside them, when the organization has a fitted model.
public struct RiskAssessment: Sendable, Hashable {
    public var flags: [RiskFlag]
    public var prediction: RiskPrediction?
    /// Why there is no prediction (no fit yet, or not enough history), for the page.
    public var noModel: String?

    public init(flags: [RiskFlag] = [], prediction: RiskPrediction? = nil, noModel: String? = nil) {
        self.flags = flags
        self.prediction = prediction
        self.noModel = noModel
    }
}

/// The risk model wired to the organization's history (Docs/Risks.md): outcomes recorded by the
/// people who steer an account, a fit per organization by the `risk.fit` job, and each
/// account's prediction explained by what its flags add.
extension RiskService {
    /// The flags and the model's reading, for anyone who may see the account.
    public func assessment(accountID: String, by actor: Member) async throws -> RiskAssessment {
        let account = try await accounts.account(id: accountID, by: actor)
        return try await assessment(account)
    }

    /// For an account already read with its visibility checked (the page models).
    func assessment(_ account: Account) async throws -> RiskAssessment {
        let flags = try await flags(account)
        guard let fit = try await store.riskFit(organizationID: account.organizationID) else {
            return RiskAssessment(flags: flags, noModel: "The model has not been fitted yet: it is fitted daily on the organization's history.")
        }
        guard let fitted = fit.fitted else { return RiskAssessment(flags: flags, noModel: fit.reason) }
        return RiskAssessment(flags: flags, prediction: RiskPrediction(fitted, flags: flags))
    }

    // MARK: Outcomes

    /// Records an escalation or churn on the account: its owner, their manager or an admin (as
    /// for editing the account). Not in the future; the note is scanned for credentials.
    public func recordOutcome(accountID: String, kind: OutcomeKind, on day: CalendarDate, note: String?, by actor: Member) async throws -> AccountOutcome {
        let account = try await accounts.account(id: accountID, by: actor)
        guard let owner = try await store.member(id: account.ownerID, organizationID: actor.organizationID),
            Access.canEditAccount(account, owner: owner, actor: actor)
        else {
            throw HandoverError.notPermitted(action: "record an outcome", reason: "only the account's owner, their manager or an admin records one")
        }
        let now = clock.now()
        var problems: [Problem] = []
        // A day of slack: "today" east of UTC is already tomorrow here.
        if day > CalendarDate(now.addingTimeInterval(86_400)) {
            problems.append(Problem(path: "on", message: "is in the future: record what happened, on the day it did"))
        }
        let note = note?.trimmingCharacters(in: .whitespacesAndNewlines)
        // Counted as the API schema counts (code points).
        if let note, note.unicodeScalars.count > 2_000 { problems.append(Problem(path: "note", message: "is longer than 2,000 characters")) }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        try CredentialGuard.refuse(CredentialScan.findings([("note", note)]))
        let outcome = AccountOutcome(
            id: ids.next(at: now), organizationID: actor.organizationID, accountID: account.id, kind: kind, on: day,
            note: note?.isEmpty == false ? note : nil, recordedBy: actor.id, recordedAt: now)
        try await store.addOutcome(outcome, by: AuditActor(member: actor.id))
        return outcome
    }

    public func outcomes(accountID: String, by actor: Member) async throws -> [AccountOutcome] {
        let account = try await accounts.account(id: accountID, by: actor)
        return try await store.outcomes(accountID: account.id, organizationID: actor.organizationID)
    }

    // MARK: Fitting

    /// Fits the organization's model on its history and stores it, or why there is none (the
    /// `risk.fit` job's work). The features at each completion: the account's profile as it is
    /// now (profiles are not versioned), its high-priority imported rows imported by then (open or
    /// not as they are now), the handovers begun by then and the exposures made before it and not
    /// rotated by then (the handover's own exposure, made at its completion, is not a cause).
    @discardableResult
    public func fit(organizationID: String) async throws -> RiskTraining.Fitted? {
        let now = clock.now()
        let history = try await store.riskHistory(organizationID: organizationID)
        var examples: [RiskTraining.Example] = []
        for (accountID, completedAt) in history.finished {
            guard let account = history.accounts[accountID] else { continue }
            let starts = (history.starts[accountID] ?? []).filter { $0 <= completedAt }
            let unrotated = (history.exposures[accountID] ?? []).filter { $0.exposedAt < completedAt && ($0.rotatedAt.map { $0 > completedAt } ?? true) }.count
            let imported = (history.urgent[accountID] ?? []).filter { $0.provenance.importedAt <= completedAt }
            let evidence = RiskEvidence(
                account: account, imported: imported, handoverStarts: starts, unrotatedExposures: unrotated, lastActivity: completedAt)
            let past = RiskTraining.Past(completedAt: completedAt, evidence: evidence, outcomes: history.outcomes[accountID] ?? [])
            if let example = RiskTraining.example(past, now: now) { examples.append(example) }
        }
        let fitted = RiskTraining.fit(examples, at: now)
        let positives = examples.filter(\.label).count
        try await store.saveRiskFit(
            organizationID: organizationID, at: now, fitted: fitted,
            reason: fitted == nil ? RiskTraining.notEnough(examples: examples.count, positives: positives) ?? RiskTraining.trainingLacksALabel : nil)
        return fitted
    }
}

/// `risk.fit` (organization set): refit that organization's model. `insight.schedule` queues it
/// once a day per organization.
public enum RiskJobs {
    public static let fitKind = "risk.fit"
    public static let fitInterval: TimeInterval = 86_400

    public static func fitJob(organizationID: String, at now: Date) -> NewJob {
        NewJob(id: NewJob.newID(at: now), organizationID: organizationID, kind: fitKind, runAfter: now, dedupeKey: "\(fitKind):\(organizationID)")
    }

    public static func fitHandler(_ risks: RiskService) -> JobHandler {
        { job in
            guard let organizationID = job.organizationID else { return }
            try await risks.fit(organizationID: organizationID)
        }
    }
}
