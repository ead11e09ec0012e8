import Foundation
import HandoverCore
import HandoverServices

/// The account's risk flags (`RiskRules`), one sentence each, with the model's reading when the
/// organization has a fitted model: on the account page always (saying so when no rule holds,
/// with the outcomes recorded and the form to record one), on a handover's page when any holds.
enum RiskSection {
    static func account(_ risks: RiskAssessment, outcomes: [AccountOutcome] = [], canRecord: Bool = false, accountID: String = "", csrf: String? = nil)
        -> HTML
    {
        let body: HTML = risks.flags.isEmpty ? "<p class=\"empty\">None of the risk rules holds for this account.</p>" : list(risks)
        return """
            <section id="risks" class="\(risks.flags.isEmpty ? "" : "card warn")" aria-labelledby="risks-title"><h2 id="risks-title">Risk flags</h2>
            \(body)
            \(model(risks))
            \(outcomeList(outcomes, canRecord: canRecord, accountID: accountID, csrf: csrf))
            </section>
            """
    }

    static func handover(_ risks: RiskAssessment) -> HTML {
        guard !risks.flags.isEmpty else { return .empty }
        return """
            <section id="risks" class="card warn" aria-labelledby="risks-title"><h2 id="risks-title">Risk flags</h2>
            \(list(risks))
            \(model(risks))
            </section>
            """
    }

    static func list(_ risks: RiskAssessment) -> HTML {
        let items: [HTML] = risks.flags.map { flag in
            let added = risks.prediction?.contributions[flag.rule.rawValue].map { " (model: \(signed($0)) to the log-odds)" } ?? ""
            return "<li class=\"risk\" data-rule=\"\(flag.rule.rawValue)\">\(flag.sentence)<span class=\"meta\">\(added)</span></li>"
        }
        return "<ul class=\"list\">\(items)</ul>"
    }

    static func signed(_ value: Double) -> String { (value >= 0 ? "+" : "−") + String(format: "%.1f", abs(value)) }

    /// The model's reading, with what it rests on; or why there is none.
    static func model(_ risks: RiskAssessment) -> HTML {
        if let p = risks.prediction {
            let auc = p.heldOutAUC.map { String(format: "; held-out AUC %.2f", $0) } ?? ""
            return """
                <p id="risk-model" class="meta">The model puts the chance of an escalation or churn within 90 days at \
                <strong>\(String(format: "%.0f", p.probability * 100))%</strong>. It was fitted on \(p.examples) past handovers \
                (\(p.positives) followed by one\(auc)) on \(Web.day(p.fittedAt)).</p>
                """
        }
        return risks.noModel.map { "<p id=\"risk-model\" class=\"meta\">No model reading: \($0)</p>" } ?? .empty
    }

    static func outcomeList(_ outcomes: [AccountOutcome], canRecord: Bool, accountID: String, csrf: String?) -> HTML {
        let items: [HTML] = outcomes.map { o in
            "<li data-kind=\"\(o.kind.rawValue)\"><strong>\(o.kind == .churn ? "Churn" : "Escalation")</strong> on \(Web.day(o.on))\(o.note.map { ": \($0)" } ?? "")</li>"
        }
        let recorded: HTML = outcomes.isEmpty ? .empty : "<h3>What happened</h3><ul class=\"list\" id=\"outcomes\">\(items)</ul>"
        guard canRecord else { return recorded }
        return """
            \(recorded)
            <details id="record-outcome"><summary>Record an escalation or churn</summary>
            <form method="post" action="/accounts/\(accountID)/outcomes" class="stack">\(CSRF.field(csrf))
            <p class="meta">The risk model learns from these: what happened after each handover.</p>
            <div class="field"><label for="outcome-kind">What happened</label><select id="outcome-kind" name="kind">\
            <option value="escalation">An escalation</option><option value="churn">Churn (they left or did not renew)</option></select></div>
            <div class="field"><label for="outcome-on">On</label><input type="date" id="outcome-on" name="on" required></div>
            <div class="field"><label for="outcome-note">Note <span class="meta">(optional)</span></label><textarea id="outcome-note" name="note" rows="2" maxlength="2000"></textarea></div>
            <button type="submit" id="record-outcome-button">Record it</button>
            </form></details>
            """
    }
}
