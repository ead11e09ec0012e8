import Foundation
import HandoverCore
import HandoverServices

/// Why a save (or a save and submit) from the editor did not go through. The page says what
/// happened and what to do, and never drops what was typed: it is the editor's content again, or,
/// when the handover can no longer be edited, shown to copy and offered to the thread.
enum SaveRefusal: Sendable {
    /// The handover left the draft state (submitted or cancelled from another tab, say) while this
    /// form was open: `typed` is the content as the form would have made it.
    case notEditable(typed: HandoverContent)
    /// The draft was saved elsewhere since this form was loaded (its version moved on).
    case versionChanged(typed: HandoverContent)
    /// Submitting was refused by lint; the findings are in the completeness panel, once.
    case lintBlocked(LintReport)
    /// Text that looks like a credential was refused (`CredentialGuard`): `typed` stays in the
    /// editor, so that only the value has to go.
    case credentialInText([CredentialFinding], typed: HandoverContent)

    /// The content the editor shows instead of the stored one, when it shows the editor.
    var editing: HandoverContent? {
        switch self {
        case .versionChanged(let typed), .credentialInText(_, let typed): typed
        case .notEditable, .lintBlocked: nil
        }
    }

    /// The message at the top of the page (and, for `notEditable`, what was typed). `canSeal`: the
    /// page has the "Seal it instead" dialog (`SealInstead`).
    func render(_ reading: HandoverReading, me: Member, csrf: String, canSeal: Bool = false) -> HTML {
        let (handover, parties, template) = (reading.handover, reading.parties, reading.template)
        switch self {
        case .lintBlocked(let report):
            let errors = report.findings.filter { $0.severity == .error }.count
            return """
                <div id="errors" role="alert" class="submit-refused"><p>Not submitted yet: \(errors) finding\(errors == 1 ? "" : "s") must be fixed first.
                They are listed under <a href="#lint">Completeness</a>, each linked to its field.</p></div>
                """
        case .versionChanged(let typed):
            let differing = Self.changedFields(typed, from: handover.content, template: template).map(\.label)
            let which: String = differing.isEmpty ? "" : " It differs from the saved version in: \(differing.joined(separator: ", "))."
            return """
                <div id="errors" role="alert" class="stale-save"><p>Not saved: this draft was saved from another tab or window \
                (version \(handover.version), \(Web.date(handover.updatedAt))) after you opened it here.</p>
                <p>The form below still holds your text.\(which) Save again to keep yours (it replaces the other save), \
                or <a id="load-saved" href="/handovers/\(handover.id)">load the saved version</a> and drop the text here.</p></div>
                """
        case .notEditable(let typed):
            return Self.unsaved(typed, reading: reading, me: me, csrf: csrf, parties: parties)
        case .credentialInText(let findings, let typed):
            return Self.credentials(findings, template: template, offers: canSeal ? findings.map { SealInstead.offer($0, typed: typed, template: template) } : [])
        }
    }

    /// Each field with what its text looks like, linked to the input like lint's findings, and
    /// the way out. The value itself is never repeated: it is in the field, where it was typed.
    /// `offers`, one per finding when the page can seal: "Seal it instead" beside each.
    static func credentials(_ findings: [CredentialFinding], template: Template, offers: [SealInstead.Offer?] = []) -> HTML {
        let items: [HTML] = findings.enumerated().map { index, found in
            let label = Self.label(found, template: template)
            let finding = Finding(severity: .error, rule: "plaintext-credential", path: found.path, message: found.looksLike)
            let place: HTML = EditorForm.anchor(for: finding, in: template).map { "<a href=\"#\($0)\">\(label)</a>" } ?? "<strong>\(label)</strong>"
            let seal = offers.indices.contains(index) ? offers[index].map { SealInstead.button($0, hidden: true) } : nil
            return "<li>\(place) \(found.looksLike).\(seal.map { " \($0)" as HTML })</li>"
        }
        return """
            <div id="errors" role="alert" class="credential-refused"><p>Not saved: credentials never go in a handover's text.</p>
            <ul>\(items)</ul>
            <p>Remove the value and write what the credential is and where it lives instead (for example \
            “the AWS deploy key, in the team vault”)\(offers.contains { $0 != nil } ? "<span class=\"seal-advice\" hidden>, or press “Seal it instead” to move it into a sealed secret of the account</span>" as HTML : .empty). \
            Your other changes are still in the form.</p></div>
            """
    }

    /// The same, in a sentence for the autosave status ("Not saved: " goes before it).
    static func credentialsSentence(_ findings: [CredentialFinding], template: Template) -> String {
        findings.map { "\(label($0, template: template)) \($0.looksLike)" }.joined(separator: "; ")
            + ". Remove the value and write what the credential is and where it lives instead."
    }

    /// What a person calls the field: its label, and the row in a list ("Key contacts, row 2").
    static func label(_ found: CredentialFinding, template: Template) -> String {
        let row = Lint.row(of: found.path)
        return (template.field(at: String(found.path.prefix { $0 != "[" }))?.label ?? found.path) + (row >= 0 ? ", row \(row + 1)" : "")
    }

    /// What happened, what was typed (read-only, to copy), and a button that posts it to the thread
    /// when the viewer may write there.
    static func unsaved(_ typed: HandoverContent, reading: HandoverReading, me: Member, csrf: String, parties: Parties) -> HTML {
        let (handover, template) = (reading.handover, reading.template)
        // The event that moved the handover to where it is now: who, what and when.
        let moved = reading.events.last { $0.toState == handover.state }
        let who = moved.map { $0.actorID == me.id ? "You" : reading.names[$0.actorID] ?? "Someone" } ?? "Someone"
        let verb: String =
            switch handover.state {
            case .submitted: "submitted"
            case .cancelled: "cancelled"
            case .returned: "returned"
            default: "moved on (\(handover.state.rawValue))"
            }
        let whereDone = moved?.actorID == me.id ? " in another tab or window" : ""
        let when = moved.map { " on \(Web.date($0.at))" } ?? ""
        let changed = changedFields(typed, from: handover.content, template: template)
        let canAsk = Access.canAsk(handover, parties: parties, asker: me, rules: template.rules, now: Date())
        let whatNow: String
        if changed.isEmpty {
            whatNow = "You had not changed anything, so nothing is lost."
        } else if canAsk {
            let reader = me.id == handover.recipientID ? parties.transferor.name : parties.recipient.name
            whatNow = "What you typed is below: copy what you need, or post it in the thread so that \(reader) reads it."
        } else {
            whatNow = "What you typed is below: copy what you need before you leave this page."
        }
        let boxes: [HTML] = changed.map { change in
            let id = "unsaved-" + EditorForm.id(EditorForm.name(change.sectionID, change.fieldID))
            let rows = min(12, max(2, change.text.split(separator: "\n", omittingEmptySubsequences: false).count))
            return """
                <div class="field"><label for="\(id)">\(change.label)</label>
                <textarea id="\(id)" readonly rows="\(rows)">\(change.text)</textarea></div>
                """
        }
        let message =
            "Changes I could not save (the handover was \(verb) while I was editing):\n\n"
            + changed.map { "\($0.label):\n\($0.text)" }.joined(separator: "\n\n")
        let post: HTML =
            canAsk && !changed.isEmpty
            ? """
            <form id="post-unsaved" method="post" action="/handovers/\(handover.id)/questions">\(CSRF.field(csrf))
            <input type="hidden" name="question" value="\(message)">
            <button type="submit" id="post-unsaved-button">Post them in the thread</button></form>
            """ : .empty
        return """
            <section id="unsaved" class="card warn" aria-labelledby="unsaved-title">
            <h2 id="unsaved-title">Your changes were not saved</h2>
            <p role="alert" id="unsaved-what">\(who) \(verb) this handover\(whereDone)\(when) while you were editing here, \
            so it can no longer be edited. \(whatNow)</p>
            \(boxes)\(post)
            </section>
            """
    }

    /// The template's fields whose typed value reads differently from the stored one, in form order.
    static func changedFields(_ typed: HandoverContent, from stored: HandoverContent, template: Template) -> [(
        sectionID: String, fieldID: String, label: String, text: String
    )] {
        template.sections.flatMap { section in
            section.fields.compactMap { field in
                let text = plainText(field, typed[section.id, field.id])
                guard text != plainText(field, stored[section.id, field.id]) else { return nil }
                return (section.id, field.id, field.label, text)
            }
        }
    }

    /// A field's value as text to copy: lists a row a line, a checklist its ticked options.
    static func plainText(_ field: TemplateField, _ value: JSONValue?) -> String {
        guard let value, value != .null else { return "" }
        switch field.type {
        case .text, .markdown, .date:
            return value.stringValue ?? ""
        case .items, .contacts, .decisions:
            let properties = EditorForm.properties(of: field.type).map(\.name)
            return (value.arrayValue ?? []).compactMap(\.objectValue).map { row in
                properties.compactMap { row[$0]?.stringValue }.filter { !$0.isEmpty }.joined(separator: " · ")
            }.filter { !$0.isEmpty }.joined(separator: "\n")
        case .checklist:
            return (value.arrayValue ?? []).compactMap(\.objectValue).filter { $0["done"] == .bool(true) }.compactMap { $0["item"]?.stringValue }
                .map { "✓ \($0)" }.joined(separator: "\n")
        }
    }
}
