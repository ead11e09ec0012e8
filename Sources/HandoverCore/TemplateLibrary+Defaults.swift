import Foundation

extension TemplateLibrary {
    /// The template a new handover of an account of `kind` starts with unless someone picks
    /// another: one choice per kind, the same in the web form and `handover new`.
    public static func defaultKey(for kind: AccountKind) -> String {
        switch kind {
        case .customer: "customer-account"
        case .patient: "ipass"
        case .system, .asset: "it-offboarding"
        case .service: "shift"
        case .project: "project"
        }
    }
}
