import HandoverCore

/// The one rule for text on its way into storage: nothing that looks like a credential is saved
/// in a plain field. Every service that stores free text passes it through here (with the paths
/// its API body uses) before anything is written, so a refused save stores nothing. Lint keeps
/// flagging credentials stored before this rule, as defence in depth.
enum CredentialGuard {
    /// Throws `HandoverError.credentialInText` when `findings` is not empty.
    static func refuse(_ findings: [CredentialFinding]) throws(HandoverError) {
        if !findings.isEmpty { throw .credentialInText(findings) }
    }
}
