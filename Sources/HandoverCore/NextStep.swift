import Foundation

/// One thing that moves a handover forward, and who may do it.
///
/// Every "next" hint — the CLI's after each command, the web's status line — comes from
/// `NextStep.steps`, so the hints cannot drift from the lifecycle and sign-off rules they describe
/// (the CLI once said "complete it" to a recipient whose completion waited for sign-offs).
public struct NextStep: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        /// Fill in what lint says blocks submission.
        case fillIn
        case submit
        /// Read it, then acknowledge in one's own words, or return it with reasons.
        case review
        /// Take a returned handover back into draft.
        case revise
        /// Sign it off in this role, over the current content.
        case sign(SignoffRole)
        /// Confirm or decline the access plan's open lines: the template gates completion on them.
        case settleAccessPlan
        case complete
        case verify
        case close
    }

    public var action: Action
    /// Who may take the step, by their part in the handover (`.manager`: a manager of either
    /// party, or an admin).
    public var by: Set<SignoffRole>

    public init(_ action: Action, by: Set<SignoffRole>) {
        self.action = action
        self.by = by
    }

    /// What moves `handover` forward now, most pressing first; empty once it is closed or cancelled.
    /// `missingSignoffs` are the template's sign-offs without a valid signature over the current
    /// content (`SignoffStatus.missing`); `blocksSubmission` is the draft's lint verdict;
    /// `accessPlanOpen` counts what a gated access plan still has open (0 without the gate).
    public static func steps(for handover: Handover, missingSignoffs: [SignoffRole], blocksSubmission: Bool, accessPlanOpen: Int = 0) -> [NextStep] {
        switch handover.state {
        case .draft:
            return [NextStep(blocksSubmission ? .fillIn : .submit, by: [.transferor])]
        case .returned:
            return [NextStep(.revise, by: [.transferor])]
        case .submitted:
            // The transferor may sign already; the recipient and a manager only after acknowledgment.
            let transferorSigns = missingSignoffs.contains(.transferor) ? [NextStep(.sign(.transferor), by: [.transferor])] : []
            return [NextStep(.review, by: [.recipient])] + transferorSigns
        case .acknowledged:
            guard missingSignoffs.isEmpty else { return missingSignoffs.map { NextStep(.sign($0), by: [$0]) } }
            if accessPlanOpen > 0 { return [NextStep(.settleAccessPlan, by: [.transferor, .recipient, .manager])] }
            return [NextStep(.complete, by: [.transferor, .recipient, .manager])]
        case .completed:
            return [NextStep(.verify, by: [.manager])]
        case .verified:
            return [NextStep(.close, by: [.manager])]
        case .closed, .cancelled:
            return []
        }
    }

    /// Whether `member`, whose part in the handover is `part` (nil when they are neither party),
    /// may take this step. `managesAParty`: they are an admin or manage the transferor or recipient.
    public func isFor(part: SignoffRole?, managesAParty: Bool) -> Bool {
        if let part, part != .manager, by.contains(part) { return true }
        return by.contains(.manager) && managesAParty
    }

    /// `steps` split for one viewer: the ones they take (an auditor takes none), and the ones
    /// they wait for, said once for the CLI and the web: "Waiting for Rita to review and
    /// acknowledge it." (nil when they wait for nobody).
    public static func forViewer(
        _ steps: [NextStep], viewer: Member, handover: Handover, managesAParty: Bool, transferor: String, recipient: String
    ) -> (mine: [NextStep], waiting: String?) {
        let part: SignoffRole? = viewer.id == handover.transferorID ? .transferor : viewer.id == handover.recipientID ? .recipient : nil
        let isMine = { (step: NextStep) in viewer.role != .auditor && step.isFor(part: part, managesAParty: managesAParty) }
        let waits = steps.filter { !isMine($0) }.map { step in
            let who = step.by.sorted { $0.rawValue > $1.rawValue }.map { role in
                switch role {
                case .transferor: transferor
                case .recipient: recipient
                case .manager: "a manager"
                }
            }
            return "\(who.joined(separator: " or ")) to \(step.action.phrase(recipient: recipient))"
        }
        return (steps.filter(isMine), waits.isEmpty ? nil : "Waiting for " + waits.joined(separator: ", and for ") + ".")
    }
}

extension NextStep.Action {
    /// The step as someone else takes it, after "Waiting for NAME to …".
    public func phrase(recipient: String) -> String {
        switch self {
        case .fillIn, .submit: "finish and submit it"
        case .review: "review and acknowledge it"
        case .revise: "revise it"
        case .sign(let role): "sign it off as \(role.rawValue)"
        case .settleAccessPlan: "confirm or decline the access plan's open lines"
        case .complete: "complete it, making \(recipient) the owner"
        case .verify: "verify that it took"
        case .close: "close it"
        }
    }
}
