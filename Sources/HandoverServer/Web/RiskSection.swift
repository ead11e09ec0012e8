import Foundation
import HandoverCore

/// The account's risk flags (`RiskRules`), one sentence each: on the account page always (saying
/// so when none holds), on a handover's page when any holds.
enum RiskSection {
    static func account(_ flags: [RiskFlag]) -> HTML {
        guard !flags.isEmpty else {
            return """
                <section id="risks" aria-labelledby="risks-title"><h2 id="risks-title">Risk flags</h2>
                <p class="empty">None of the risk rules holds for this account.</p></section>
                """
        }
        return section(flags)
    }

    static func handover(_ flags: [RiskFlag]) -> HTML { flags.isEmpty ? .empty : section(flags) }

    static func section(_ flags: [RiskFlag]) -> HTML {
        let items: [HTML] = flags.map { "<li class=\"risk\" data-rule=\"\($0.rule.rawValue)\">\($0.sentence)</li>" }
        return """
            <section id="risks" class="card warn" aria-labelledby="risks-title"><h2 id="risks-title">Risk flags</h2>
            <ul class="list">\(items)</ul></section>
            """
    }
}
