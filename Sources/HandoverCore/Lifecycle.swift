import Foundation

/// The people a handover is between, as the lifecycle and access rules need them.
public struct Parties: Sendable, Hashable {
    public var transferor: Member
    public var recipient: Member

    public init(transferor: Member, recipient: Member) {
        self.transferor = transferor
        self.recipient = recipient
    }

    /// Whether `member` manages either party.
    public func isManaged(by member: Member) -> Bool {
        member.role == .manager && (transferor.managerID == member.id || recipient.managerID == member.id)
    }
}

/// The result of a transition: the next handover and the record of the step.
public struct Transition: Sendable, Hashable {
    public var handover: Handover
    public var record: HandoverEventRecord
    /// Set when the transition moves the account to a new owner.
    public var newOwnerID: String?
    /// With a new owner: when the secrets the transferor could open must be rotated by
    /// (the template's `rules.rotateSecretsWithinDays` from now).
    public var rotateSecretsBy: Date?
    /// With a new owner: the template gates completion on the access plan, which the store
    /// checks in the completion's transaction (a line confirmed or added meanwhile counts).
    public var accessPlanGate: Bool
    /// An acknowledgment under a template with `rules.briefingMinimumMinutes`: the store checks
    /// the handover's briefings against it in the acknowledgment's transaction.
    public var briefingMinimumMinutes: Int?
    /// With a completion: when the follow-up starts (surveys, the manager's check-in), set by
    /// the service from the template's `followUpAfterDays`; scheduled in the same transaction.
    public var followUpAt: Date?

    public init(
        handover: Handover, record: HandoverEventRecord, newOwnerID: String?, rotateSecretsBy: Date? = nil, accessPlanGate: Bool = false,
        briefingMinimumMinutes: Int? = nil
    ) {
        self.handover = handover
        self.record = record
        self.newOwnerID = newOwnerID
        self.rotateSecretsBy = rotateSecretsBy
        self.accessPlanGate = accessPlanGate
        self.briefingMinimumMinutes = briefingMinimumMinutes
    }
}

/// The handover lifecycle as one pure function of (handover, event, actor, time).
///
/// `draft → submitted → acknowledged → completed → verified → closed`, with
/// `submitted → returned → draft` and `cancelled` from any open state. Completion needs the
/// template's sign-offs: `signedRoles` are the roles with a valid signature over the current content. It never performs I/O
/// and never returns a half-changed handover: either the next state or a typed error.
public enum Lifecycle {
    /// The shortest synthesis we accept: a restatement, not a click-through "ok".
    public static let minimumSynthesisLength = 20

    public static func apply(
        _ event: HandoverEvent,
        to handover: Handover,
        by actor: Member,
        parties: Parties,
        template: Template,
        account: Account,
        signedRoles: Set<SignoffRole>,
        eventID: String,
        at now: Date
    ) throws(HandoverError) -> Transition {
        let from = handover.state
        var next = handover
        var note: String?
        var newOwnerID: String?
        let isTransferor = actor.id == handover.transferorID
        let isRecipient = actor.id == handover.recipientID
        let isSteward = actor.role == .admin || parties.isManaged(by: actor)

        func require(_ allowed: Bool, _ action: String, _ reason: String) throws(HandoverError) {
            if !allowed { throw .notPermitted(action: action, reason: reason) }
        }
        func requireState(_ states: HandoverState...) throws(HandoverError) {
            if !states.contains(from) { throw .invalidTransition(from: from, event: event.name) }
        }
        if actor.role == .auditor { throw .notPermitted(action: event.name, reason: "auditors have read-only access") }

        switch event {
        case .submit:
            try requireState(.draft)
            try require(isTransferor, "submit", "only the transferor submits a handover")
            let report = Lint.report(content: handover.content, template: template, account: account, now: now)
            if report.blocksSubmission { throw .lintBlocked(report) }
            next.state = .submitted
            next.submittedAt = now
            next.returnReason = nil

        case .returnToTransferor(let reason):
            try requireState(.submitted)
            try require(isRecipient, "return", "only the recipient returns a handover")
            let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            if reason.isEmpty { throw .invalid([Problem(path: "reason", message: "say what is missing, so the transferor can fix it")]) }
            next.state = .returned
            next.returnReason = reason
            note = reason

        case .revise:
            try requireState(.returned)
            try require(isTransferor, "revise", "only the transferor revises a handover")
            next.state = .draft

        case .acknowledge(let synthesis):
            try requireState(.submitted)
            try require(isRecipient, "acknowledge", "only the recipient acknowledges a handover")
            let synthesis = synthesis.trimmingCharacters(in: .whitespacesAndNewlines)
            if synthesis.count < minimumSynthesisLength {
                // Short: the web form shows the template's prompt beside the box, 'handover show' prints it.
                throw .invalid([Problem(path: "synthesis", message: "restate the handover in your own words, in at least \(minimumSynthesisLength) characters")])
            }
            next.state = .acknowledged
            next.synthesis = synthesis
            next.acknowledgedAt = now

        case .complete:
            try requireState(.acknowledged)
            try require(isTransferor || isRecipient || isSteward, "complete", "only the parties, their managers or an admin complete a handover")
            if account.ownerID != handover.transferorID { throw .accountOwnerChanged }
            let missing = SignoffRules.missing(required: template.requiredSignoffs, signed: signedRoles)
            if !missing.isEmpty { throw .signoffsMissing(missing) }
            next.state = .completed
            next.completedAt = now
            newOwnerID = handover.recipientID

        case .verify(let verifyNote):
            try requireState(.completed)
            try require(isSteward, "verify", "only a manager of the parties or an admin verifies a handover")
            next.state = .verified
            note = verifyNote?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty

        case .close:
            try requireState(.verified)
            try require(isSteward, "close", "only a manager of the parties or an admin closes a handover")
            next.state = .closed

        case .cancel(let reason):
            guard from.isOpen else { throw .invalidTransition(from: from, event: event.name) }
            try require(isTransferor || isSteward, "cancel", "only the transferor, their manager or an admin cancels a handover")
            next.state = .cancelled
            note = reason?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        }

        // Words that are stored (a reason, a synthesis, a note) are refused whole when they look like a
        // credential, after the state and permission checks, so a refusal says nothing of the handover.
        let credentials = CredentialScan.findings(event.texts)
        if !credentials.isEmpty { throw .credentialInText(credentials) }

        next.version = handover.version + 1
        next.updatedAt = now
        let record = HandoverEventRecord(
            id: eventID, handoverID: handover.id, organizationID: handover.organizationID,
            actorID: actor.id, event: event.name, handoverVersion: next.version, fromState: from, toState: next.state,
            note: note, at: now)
        let rotateBy = newOwnerID == nil ? nil : SecretExposure.dueDate(exposedAt: now, withinDays: template.rules.rotateSecretsWithinDays)
        var transition = Transition(
            handover: next, record: record, newOwnerID: newOwnerID, rotateSecretsBy: rotateBy, accessPlanGate: newOwnerID != nil && template.rules.accessPlanGate == true)
        if case .acknowledge = event, let minimum = template.rules.briefingMinimumMinutes, minimum > 0 { transition.briefingMinimumMinutes = minimum }
        return transition
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
