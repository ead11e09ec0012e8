import Foundation

/// Why a domain operation was refused. Mapped to HTTP problem details and CLI messages at the edge.
public enum HandoverError: Error, Sendable, Hashable {
    /// The event does not apply in the handover's state.
    case invalidTransition(from: HandoverState, event: String)
    /// The actor may see the handover but may not do this.
    case notPermitted(action: String, reason: String)
    /// Submission is blocked by these lint findings.
    case lintBlocked(LintReport)
    /// Input that cannot be accepted, field by field.
    case invalid([Problem])
    /// The account changed owner since the handover began.
    case accountOwnerChanged
    /// An account has one open handover at a time; this one is open (its id when the actor may
    /// see it, so that the edges can link to it).
    case openHandoverExists(accountName: String, handoverID: String?)
    /// Completion waits for these signed sign-offs over the current content.
    case signoffsMissing([SignoffRole])
    /// The request contradicts what is stored (a sign-off over an older version, an altered log).
    case conflict(String)
    /// Text that looks like a credential, field by field (`CredentialScan`): nothing was saved.
    /// The findings name the field and the kind, never the value.
    case credentialInText([CredentialFinding])
    /// The template gates completion on the access plan (`rules.accessPlanGate`) and these are
    /// still open: lines neither confirmed nor declined, or grants the transferor holds on the
    /// account that no revoke line covers. Each problem's path names the line or the grant.
    case accessPlanOpen([Problem])

    /// What to do instead of saving a credential in plain text, said wherever one is refused.
    public static let credentialAdvice = "Remove the value and write what the credential is and where it lives instead; credentials never go in plain text."

    public var message: String {
        switch self {
        case .invalidTransition(let from, let event):
            "A \(from.rawValue) handover cannot \(event)."
        case .notPermitted(let action, let reason):
            "You may not \(action): \(reason)."
        case .lintBlocked(let report):
            "The handover is not ready to submit: \(report.findings.filter { $0.severity == .error }.count) finding(s) must be fixed first."
        case .invalid(let problems):
            problems.count == 1 ? "Invalid input: \(problems[0])." : "Invalid input: \(problems.count) problems."
        case .accountOwnerChanged:
            "The account's owner changed since this handover began; cancel it and start a new one."
        case .openHandoverExists(let accountName, _):
            "\(accountName) already has an open handover: finish or cancel it before starting another."
        case .signoffsMissing(let roles):
            "The handover needs signed sign-offs from the \(roles.map(\.rawValue).joined(separator: " and ")) over its current content before it completes."
        case .conflict(let detail):
            detail
        case .credentialInText(let findings):
            "Not saved: \(findings.map(\.description).joined(separator: "; ")). \(Self.credentialAdvice)"
        case .accessPlanOpen(let open):
            "The template makes the access plan a completion gate; confirm or decline every line first. Open: "
                + open.map(\.message).joined(separator: "; ") + "."
        }
    }
}
