import Foundation
import HandoverCore
import HandoverStore
import HandoverServices

extension WebPages {
    // MARK: New handover

    func newHandover(_ viewer: Viewer, chosen: NewHandoverChoice = NewHandoverChoice(), problems: [Problem] = [], refusal: HTML = .empty) async throws -> HTML {
        Self.newHandover(try await services.pages.newHandover(for: viewer.member), viewer: viewer, chosen: chosen, problems: problems, refusal: refusal)
    }

    /// The form's choices: from the link that opened it (`?account=`), or as posted when refused.
    struct NewHandoverChoice: Sendable {
        var accountID: String? = nil
        var recipientID: String? = nil
        var templateKey: String? = nil
    }

    /// `refusal`: why the last "Create draft" was refused, when it says more than a list of problems.
    static func newHandover(
        _ model: NewHandoverModel, viewer: Viewer, chosen: NewHandoverChoice = NewHandoverChoice(), problems: [Problem] = [], refusal: HTML = .empty
    ) -> HTML {
        let me = viewer.member
        let (accounts, ordered) = (model.accounts, model.templates)
        let selected = accounts.first { $0.id == chosen.accountID }
        let accountOptions: [HTML] = accounts.map { account in
            "<option value=\"\(account.id)\"\(HTML.attribute("selected", account.id == selected?.id))>\(account.name)</option>"
        }
        let recipients: [HTML] = model.recipients.map { member in
            "<option value=\"\(member.id)\"\(HTML.attribute("selected", member.id == chosen.recipientID))>\(member.name)</option>"
        }
        // The account's kind picks the default template (the same one `handover new` takes).
        let preferred = chosen.templateKey ?? TemplateLibrary.defaultKey(for: selected?.kind ?? .customer)
        let templateOptions: [HTML] = ordered.map { template in
            "<option value=\"\(template.key)\"\(HTML.attribute("selected", template.key == preferred))>\(template.name)</option>"
        }
        let descriptions: [HTML] = ordered.map { "<dt>\($0.name)</dt><dd>\($0.summary)</dd>" }
        return Layout(title: "New handover", member: me, csrf: viewer.csrf, current: "new").render(
            """
            <h1>Start a handover</h1>
            <p class="lead">Choose what you are handing over, to whom, and the template that says what the next person needs to know.</p>
            \(refusal)\(Web.errors(problems))
            \(accounts.isEmpty ? "<p class=\"empty\">You have no accounts to hand over.</p>" as HTML : .empty)
            <form id="new-handover" method="post" action="/handovers" class="card">\(CSRF.field(viewer.csrf))
            <div class="field"><label for="account">Account</label><select id="account" name="account" required>\(accountOptions)</select></div>
            <div class="field"><label for="recipient">Recipient</label><select id="recipient" name="recipient" required>\(recipients)</select></div>
            <div class="field"><label for="template">Template</label><select id="template" name="template" required aria-describedby="template-help">\(templateOptions)</select></div>
            <button type="submit" id="create">Create draft</button>
            </form>
            <details id="template-help"><summary>Which template?</summary><dl>\(descriptions)</dl></details>
            """)
    }

    // MARK: The handover page

    /// The one page of a handover: the editor for its transferor while it is a draft, the packet
    /// for everyone else, with the actions the viewer may take now.
    /// - Parameters:
    ///   - editing: content to show in the editor instead of the stored one (a refused save).
    ///   - typed: form values to put back (a refused acknowledgment, return or question).
    ///   - refusal: why the editor's save did not go through (said at the top; what was typed is kept).
    func handover(
        _ viewer: Viewer, id: String, flash: String? = nil, problems: [Problem] = [], editing: HandoverContent? = nil,
        typed: [String: String] = [:], refusal: SaveRefusal? = nil
    ) async throws -> HTML {
        var model = try await services.pages.handover(id: id, for: viewer.member)
        model.accessPlan = try await services.access.planModel(handoverID: id, for: viewer.member)
        model.attachments = try await services.attachments.pageModel(of: .handover(id), for: viewer.member)
        return try Self.handover(model, viewer: viewer, flash: flash, problems: problems, editing: editing, typed: typed, refusal: refusal)
    }

    static func handover(
        _ model: HandoverPageModel, viewer: Viewer, flash: String? = nil, problems: [Problem] = [], editing: HandoverContent? = nil,
        typed: [String: String] = [:], refusal: SaveRefusal? = nil
    ) throws -> HTML {
        let me = viewer.member
        let (handover, parties, template, account, events, questions, names) = model.reading.all
        let isEditor = Access.canEditContent(handover, editor: me)
        let signing = model.signing
        let completed = [.completed, .verified, .closed].contains(handover.state)
        // Sealing the account's secrets to the recipient is one of the transferor's steps: it sits
        // under the note that says what is next.
        let secrets = Self.secretsStep(model.secrets, handover: handover, parties: parties, me: me)
        // The editor's "Seal it instead" (for a refused credential) needs the secrets scripts too:
        // they are loaded once, by the step when it seals, else here.
        let canSeal = isEditor && model.secrets.canAdd && model.secrets.hasRecoveryKey
        let sealing: HTML =
            canSeal
            ? "\(SealInstead.dialog(account: account, me: me))\(Self.sealsToRecipient(model.secrets, handover: handover, me: me) ? HTML.empty : Self.secretScripts)"
            : .empty

        let header: HTML = """
            <p class="breadcrumb"><a href="/accounts/\(account.id)">\(account.name)</a></p>
            <h1>Handover of \(account.name)</h1>
            <p class="meta">\(Web.stateBadge(handover.state, id: "state")) \(template.name) · from <strong>\(parties.transferor.name)</strong>
            to <strong>\(parties.recipient.name)</strong> · version \(handover.version) · <a id="report-link" href="/handovers/\(handover.id)/report">Printable report</a>\(completed ? " · <a id=\"certificate-link\" href=\"/handovers/\(handover.id)/certificate\">Certificate of completion</a>" as HTML : .empty)</p>
            \(refusal?.render(model.reading, me: me, csrf: viewer.csrf, canSeal: canSeal))\(Web.errors(problems))
            """
        let body: HTML
        if isEditor {
            let content = refusal?.editing ?? editing ?? handover.content
            let report = Lint.report(
                content: content, template: template, account: account, now: model.now, briefings: (handover, model.briefings), prefill: handover.prefill)
            body = """
                \(Self.statusNote(handover, parties: parties, me: me, missing: signing.missing, blocksSubmission: report.blocksSubmission,
                    accessPlanOpen: model.accessPlan?.gateOpen ?? 0))
                \(secrets)
                \(Self.editor(handover, template: template, content: content, report: report, csrf: viewer.csrf))
                \(sealing)
                """
        } else {
            let forms = Self.actions(handover, parties: parties, template: template, missing: signing.missing, me: me, csrf: viewer.csrf, typed: typed)
            let packet: HTML = """
                <section id="packet" aria-labelledby="packet-title"><h2 id="packet-title">What is handed over</h2>
                \(Self.packet(template: template, content: handover.content, prefill: handover.prefill, accountID: handover.accountID))</section>
                """
            // The recipient reads before acknowledging: the packet first, the forms after it (the
            // status note links down to them). Everyone else's actions are a button or two: first.
            let readFirst = handover.state == .submitted && me.id == handover.recipientID
            let draftBlocked =
                handover.state == .draft && Lint.report(content: handover.content, template: template, account: account, now: model.now).blocksSubmission
            body = """
                \(Self.statusNote(handover, parties: parties, me: me, missing: signing.missing, blocksSubmission: draftBlocked,
                    accessPlanOpen: model.accessPlan?.gateOpen ?? 0))
                \(secrets)
                \(handover.synthesis.map { "<section class=\"card\" aria-labelledby=\"synthesis-title\"><h2 id=\"synthesis-title\">\(parties.recipient.name)'s synthesis</h2><p class=\"prose\">\($0)</p></section>" as HTML })
                \(handover.returnReason.map { "<section class=\"card warn\"><h2>Returned with reasons</h2><p class=\"prose\">\($0)</p></section>" as HTML })
                \(try Self.signoffSection(handover, parties: parties, template: template, view: signing, me: me, csrf: viewer.csrf, names: names, now: model.now))
                \(readFirst ? packet : forms)
                \(readFirst ? forms : packet)
                """
        }
        return Layout(title: "Handover of \(account.name)", member: me, csrf: viewer.csrf, flash: flash).render(
            """
            \(header)
            \(RiskSection.handover(model.risks))
            \(body)
            \(Self.accessPlanSection(model.accessPlan, csrf: viewer.csrf))
            \(Self.briefingSection(model, me: me, csrf: viewer.csrf, typed: typed))
            \(Self.thread(handover, parties: parties, rules: template.rules, now: model.now, questions: questions, names: names, me: me, csrf: viewer.csrf, typed: typed))
            \(isEditor ? Self.actions(handover, parties: parties, template: template, missing: signing.missing, me: me, csrf: viewer.csrf, typed: typed) : .empty)
            <section aria-labelledby="history-title"><h2 id="history-title">History</h2>\(Self.history(events, names: names))</section>
            \(Self.introductionSection(handover, parties: parties, account: account, template: template, me: me))
            \(Self.outboxSection(model.outbox, names: names))
            \(Self.attachmentsSection(model.attachments, csrf: viewer.csrf))
            """)
    }

    /// Links to the customer's introduction and the follow-up (IntroductionPages.swift), where they apply.
    static func introductionSection(_ handover: Handover, parties: Parties, account: Account, template: Template, me: Member) -> HTML {
        var links: [HTML] = []
        if account.kind == .customer, Introduction.states.contains(handover.state), Introduction.canSend(handover, parties: parties, actor: me) {
            links.append("<li><a id=\"introduction-link\" href=\"/handovers/\(handover.id)/introduction\">Introduce \(parties.recipient.name) to the customer</a></li>")
        }
        if [.completed, .verified, .closed].contains(handover.state), FollowUp.days(rules: template.rules, kind: account.kind) != nil {
            links.append("<li><a id=\"follow-up-link\" href=\"/handovers/\(handover.id)/follow-up\">Follow-up: surveys and the manager's check-in</a></li>")
        }
        guard !links.isEmpty else { return .empty }
        return
            "<section id=\"introduction\" aria-labelledby=\"introduction-title\"><h2 id=\"introduction-title\">The customer</h2><ul class=\"list\">\(links)</ul></section>"
    }

    /// Where the handover stands and what happens next, from `NextStep.steps` (the CLI's hints
    /// come from the same function): the viewer's own steps link down to their forms.
    static func statusNote(
        _ handover: Handover, parties: Parties, me: Member, missing: [SignoffRole], blocksSubmission: Bool, accessPlanOpen: Int = 0
    ) -> HTML {
        let transferor = parties.transferor.name, recipient = parties.recipient.name
        let context: String =
            switch handover.state {
            case .draft: me.id == handover.transferorID ? "Your draft." : "\(transferor) is still writing this handover."
            case .submitted: "Submitted to \(recipient)."
            case .returned: "Returned to \(transferor) for changes."
            case .acknowledged: "\(recipient) has acknowledged it."
            case .completed: "Completed: \(recipient) owns the account now."
            case .verified: "Completed and verified by a manager."
            case .closed: "Closed."
            case .cancelled: "Cancelled."
            }
        let steps = NextStep.steps(for: handover, missingSignoffs: missing, blocksSubmission: blocksSubmission, accessPlanOpen: accessPlanOpen)
        let (mine, waiting) = NextStep.forViewer(
            steps, viewer: me, handover: handover, managesAParty: me.role == .admin || parties.isManaged(by: me), transferor: transferor, recipient: recipient)
        let yours: [HTML] = mine.map { Self.yourStep($0.action, recipient: recipient) }
        let waitingText: HTML = waiting.map { " \($0)" as HTML } ?? .empty
        return "<div id=\"next-step\" class=\"lead\"><p>\(context)\(waitingText)</p>\(yours)</div>"
    }

    /// The viewer's own step, linking to the form that takes it.
    static func yourStep(_ action: NextStep.Action, recipient: String) -> HTML {
        switch action {
        case .fillIn: "<p class=\"your-step\">Next: fill in what the completeness check lists, then submit it to \(recipient).</p>"
        case .submit: "<p class=\"your-step\">Next: submit it to \(recipient).</p>"
        case .review:
            """
            <p class="your-step">Next: read it through, ask anything that is unclear, then acknowledge it in your own words — or return it with reasons.
            <a id="to-acknowledge" href="#acknowledge">Go to the acknowledgement</a></p>
            """
        case .revise: "<p class=\"your-step\">Next: <a href=\"#revise\">reopen the draft</a> to address the reasons below.</p>"
        case .sign(let role): "<p class=\"your-step\">Next: <a href=\"#signoff\">sign it off as \(role.rawValue)</a>.</p>"
        case .settleAccessPlan:
            "<p class=\"your-step\">Next: <a href=\"#access-plan\">confirm or decline the access plan's open lines</a>; completion waits for them.</p>"
        case .complete: "<p class=\"your-step\">Next: every sign-off is in; <a href=\"#complete\">complete it</a> to make \(recipient) the account's owner.</p>"
        case .verify: "<p class=\"your-step\">Next: check that it took, then <a href=\"#verify\">verify it</a>.</p>"
        case .close: "<p class=\"your-step\">Next: <a href=\"#close\">close it</a>.</p>"
        }
    }

    /// The forms for what the viewer may do in this state; the service checks again on submit.
    static func actions(_ handover: Handover, parties: Parties, template: Template, missing: [SignoffRole], me: Member, csrf: String, typed: [String: String]) -> HTML {
        guard me.role != .auditor else { return .empty }
        let base = "/handovers/\(handover.id)"
        let version: HTML = "<input type=\"hidden\" name=\"version\" value=\"\(handover.version)\">"
        let isRecipient = me.id == handover.recipientID, isTransferor = me.id == handover.transferorID
        let isManager = parties.isManaged(by: me), isAdmin = me.role == .admin
        var forms: [HTML] = []
        switch handover.state {
        case .submitted where isRecipient:
            forms.append(
                """
                <form id="acknowledge" method="post" action="\(base)/acknowledge" class="card">\(CSRF.field(csrf))\(version)
                <h2>Acknowledge</h2>
                <div class="field"><label for="synthesis">Your synthesis, in your own words</label>
                <p class="guidance" id="synthesis-guidance">\(template.synthesisPrompt)</p>
                <textarea id="synthesis" name="synthesis" rows="6" required minlength="\(Lifecycle.minimumSynthesisLength)" aria-describedby="synthesis-guidance">\(typed["synthesis"])</textarea></div>
                <button type="submit" id="acknowledge-button">Acknowledge and accept</button>
                </form>
                <form id="return" method="post" action="\(base)/return" class="card">\(CSRF.field(csrf))\(version)
                <h2>Return it</h2>
                <div class="field"><label for="reason">What is missing or unclear</label>
                <textarea id="reason" name="reason" rows="3" required>\(typed["reason"])</textarea></div>
                <button type="submit" id="return-button" class="secondary">Return to \(parties.transferor.name)</button>
                </form>
                """)
        case .returned where isTransferor:
            forms.append(
                """
                <form id="revise" method="post" action="\(base)/revise" class="card">\(CSRF.field(csrf))\(version)
                <p>Reopen the draft to address the reasons above.</p><button type="submit" id="revise-button">Revise the draft</button></form>
                """)
        case .acknowledged where (isTransferor || isRecipient || isManager || isAdmin) && !missing.isEmpty:
            forms.append("<p class=\"card\" id=\"complete-waiting\">Completing waits for the sign-offs above.</p>")
        case .acknowledged where isTransferor || isRecipient || isManager || isAdmin:
            forms.append(
                """
                <form id="complete" method="post" action="\(base)/complete" class="card">\(CSRF.field(csrf))\(version)
                <h2>Complete</h2><p>\(parties.recipient.name) becomes the owner of the account, and the chain of owners records it.</p>
                <button type="submit" id="complete-button">Complete the handover</button></form>
                """)
        case .completed where isManager || isAdmin:
            forms.append(
                """
                <form id="verify" method="post" action="\(base)/verify" class="card">\(CSRF.field(csrf))\(version)
                <div class="field"><label for="note">Verification note (optional)</label><input type="text" id="note" name="note"></div>
                <button type="submit" id="verify-button">Verify</button></form>
                """)
        case .verified where isManager || isAdmin:
            forms.append(
                """
                <form id="close" method="post" action="\(base)/close" class="card">\(CSRF.field(csrf))\(version)
                <button type="submit" id="close-button">Close</button></form>
                """)
        default:
            break
        }
        if handover.state.isOpen && (isTransferor || isManager || isAdmin) {
            forms.append(
                """
                <details class="danger"><summary>Cancel this handover</summary>
                <form id="cancel" method="post" action="\(base)/cancel">\(CSRF.field(csrf))\(version)
                <div class="field"><label for="cancel-reason">Why (optional)</label><input type="text" id="cancel-reason" name="reason"></div>
                <button type="submit" id="cancel-button" class="danger">Cancel handover</button></form></details>
                """)
        }
        return forms.isEmpty ? .empty : "<div class=\"actions\">\(forms)</div>"
    }

    /// The thread, and the form while it takes questions. After completion it says until when the
    /// previous owner stays reachable (`QuestionWindow`); the list updates live (`thread.js`).
    static func thread(
        _ handover: Handover, parties: Parties, rules: TemplateRules, now: Date, questions: [HandoverQuestion], names: [String: String], me: Member,
        csrf: String, typed: [String: String]
    ) -> HTML {
        let canAsk = Access.canAsk(handover, parties: parties, asker: me, rules: rules, now: now)
        let prompt = me.id == handover.recipientID ? "Ask \(parties.transferor.name) a question" : "Write in the thread"
        let window: HTML
        if let closes = QuestionWindow.closesAt(handover, rules: rules) {
            window =
                now < closes
                ? "<p id=\"thread-window\" class=\"guidance\">The handover is complete, and \(parties.transferor.name) stays reachable here until \(Web.day(closes)): questions and answers after completion become part of its record.</p>"
                : "<p id=\"thread-window\" class=\"meta\">This thread closed on \(Web.day(closes)), \(QuestionWindow.days(rules)) days after completion.</p>"
        } else {
            window = .empty
        }
        return """
            <section id="thread" aria-labelledby="thread-title" data-live="/handovers/\(handover.id)/thread/live"><h2 id="thread-title">Questions and answers</h2>
            \(window)<div id="thread-messages">\(Self.threadMessages(handover, questions: questions, names: names))</div>
            <p id="thread-news" class="visually-hidden" role="status"></p><script src="\(Assets.threadScript.path)" defer></script>
            \(canAsk ? """
                <form id="ask" method="post" action="/handovers/\(handover.id)/questions">\(CSRF.field(csrf))
                <div class="field"><label for="question">\(prompt)</label><textarea id="question" name="question" rows="3" required>\(typed["question"])</textarea></div>
                <button type="submit" id="ask-button" class="secondary">Post</button></form>
                """ as HTML : .empty)
            </section>
            """
    }

    /// The messages, oldest first: also what the live stream sends when the thread changes.
    static func threadMessages(_ handover: Handover, questions: [HandoverQuestion], names: [String: String]) -> HTML {
        let items: [HTML] = questions.map { q in
            let after: HTML = QuestionWindow.isAfterCompletion(q, of: handover) ? " · <span class=\"tag\">after completion</span>" : .empty
            return """
                <li class="question" id="q-\(q.id)"><p class="meta"><strong>\(names[q.authorID] ?? "?")</strong> · \(Web.date(q.createdAt))\(after)</p>\
                <p class="prose">\(q.body)</p></li>
                """
        }
        return """
            \(items.isEmpty ? "<p class=\"empty\">No questions yet.</p>" as HTML : .empty)
            <ol id="questions" class="thread">\(items)</ol>
            """
    }

    static func editor(_ handover: Handover, template: Template, content: HandoverContent, report: LintReport, csrf: String) -> HTML {
        let sections: [HTML] = template.sections.map { section in
            let fields: [HTML] = section.fields.map { field in
                let path = "\(section.id).\(field.id)"
                return """
                    \(EditorForm.inputs(section: section, field: field, value: content[section.id, field.id]))\
                    \(PrefillNote.editor(handover.prefill?[path], path: path, label: field.label, accountID: handover.accountID))
                    """
            }
            return """
                <section class="card" aria-labelledby="s-\(section.id)"><h2 id="s-\(section.id)">\(section.title)</h2>
                <p class="guidance">\(section.guidance)</p>\(fields)</section>
                """
        }
        return """
            <div class="editor-layout">
            <form id="editor" method="post" action="/handovers/\(handover.id)/save" data-autosave="/handovers/\(handover.id)/save">
            \(CSRF.field(csrf))<input type="hidden" name="version" value="\(handover.version)">
            \(sections)
            <div class="sticky-actions"><button type="submit" id="save" class="secondary">Save draft</button>
            \(PrefillNote.checkAllButton(handover.prefill))
            <button type="submit" id="submit" formaction="/handovers/\(handover.id)/submit">Submit to recipient</button>
            <span id="autosave-status" role="status" aria-live="polite"></span><span id="autosave-offers"></span></div>
            </form>
            <aside id="lint" aria-label="Completeness check">\(Self.lintPanel(report, template: template))</aside>
            </div>
            """
    }

    // MARK: Reading the content

    /// The content laid out for reading, section by section, in the template's order.
    static func packet(template: Template, content: HandoverContent, prefill: [String: PrefilledField]? = nil, accountID: String = "") -> HTML {
        let sections: [HTML] = template.sections.map { section in
            let fields: [HTML] = section.fields.map { field in
                let value = content[section.id, field.id]
                let note = PrefillNote.reading(prefill?["\(section.id).\(field.id)"], accountID: accountID)
                return "<div class=\"read-field\"><h4>\(field.label)</h4>\(Self.readable(field, value))\(note)</div>"
            }
            return "<section class=\"packet-section\"><h3>\(section.title)</h3>\(fields)</section>"
        }
        return HTML(unsafe: sections.map(\.description).joined())
    }

    static func readable(_ field: TemplateField, _ value: JSONValue?) -> HTML {
        guard let value, value != .null else { return "<p class=\"empty\">Not filled in.</p>" }
        switch field.parse(value, at: "") {
        case .failure: return "<p class=\"empty\">Unreadable value.</p>"
        case .success(let parsed):
            switch parsed {
            case .text(let text): return "<p class=\"prose\">\(text)</p>"
            case .date(let date): return "<p><time datetime=\"\(date.description)\">\(Web.day(date))</time></p>"
            case .items(let items):
                let rows: [HTML] = items.map {
                    "<tr><td>\($0.title)</td><td>\($0.owner ?? "—")</td><td>\($0.due.map(Web.day) ?? "—")</td><td>\($0.status ?? "")</td><td>\($0.notes ?? "")</td></tr>"
                }
                return
                    "<div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">Item</th><th scope=\"col\">Owner</th><th scope=\"col\">Due</th><th scope=\"col\">Status</th><th scope=\"col\">Notes</th></tr></thead><tbody>\(rows)</tbody></table></div>"
            case .contacts(let contacts):
                let rows: [HTML] = contacts.map { c in
                    Web.contact(c)
                }
                return "<ul class=\"list\">\(rows)</ul>"
            case .decisions(let decisions):
                let rows: [HTML] = decisions.map {
                    "<li><strong>\($0.decision)</strong>\($0.date.map { " (\(Web.day($0)))" })<br>Why: \($0.rationale ?? "not recorded")</li>"
                }
                return "<ul class=\"list\">\(rows)</ul>"
            case .checklist(let entries):
                let rows: [HTML] = entries.map { "<li class=\"\($0.done ? "done" : "open")\">\($0.done ? "✓" : "✗") \($0.item)\($0.note.map { " — \($0)" })</li>" }
                return "<ul class=\"checks\">\(rows)</ul>"
            }
        }
    }

    static func history(_ events: [HandoverEventRecord], names: [String: String]) -> HTML {
        let items: [HTML] = events.map { event in
            """
            <li><span class="meta">\(Web.date(event.at))</span> <strong>\(names[event.actorID] ?? "?")</strong> \(event.event)\
            \(event.fromState.map { " · \($0.rawValue) → " } ?? " · ")\(event.toState.rawValue)\(event.note.map { ": " + $0 })</li>
            """
        }
        return "<ol id=\"history\" class=\"timeline\">\(items)</ol>"
    }

    /// Everything the handover page and the report show, read once the viewer is known to see it.
    // MARK: Printable report

    func report(_ viewer: Viewer, id: String) async throws -> HTML {
        Self.report(try await services.pages.report(id: id, for: viewer.member), viewer: viewer)
    }

    static func report(_ reading: HandoverReading, viewer: Viewer) -> HTML {
        let me = viewer.member
        let (handover, parties, template, account, events, thread, names) = reading.all
        let questions: [HTML] = thread.map { "<li><strong>\(names[$0.authorID] ?? "?")</strong> (\(Web.date($0.createdAt))): \($0.body)</li>" }
        func time(_ label: String, _ date: Date?) -> HTML { date.map { "<dt>\(label)</dt><dd>\(Web.date($0))</dd>" } ?? .empty }
        return Layout(title: "Report: \(account.name)", member: me, csrf: viewer.csrf).render(
            """
            <article class="report">
            <p class="no-print"><a href="/handovers/\(handover.id)">Back to the handover</a> · use your browser's Print (or Save as PDF)</p>
            <h1>\(account.name)</h1>
            <p class="lead">\(template.name) handover from \(parties.transferor.name) to \(parties.recipient.name)</p>
            <dl class="facts"><dt>State</dt><dd>\(handover.state.rawValue)</dd><dt>Handover</dt><dd><code>\(handover.id)</code>, version \(handover.version)</dd>
            \(time("Started", handover.createdAt))\(time("Submitted", handover.submittedAt))\(time("Acknowledged", handover.acknowledgedAt))\(time("Completed", handover.completedAt))</dl>
            \(handover.synthesis.map { "<h2>Recipient's synthesis</h2><p class=\"prose\">\($0)</p>" as HTML })
            <h2>Content</h2>
            \(Self.packet(template: template, content: handover.content, prefill: handover.prefill, accountID: handover.accountID))
            \(questions.isEmpty ? HTML.empty : "<h2>Questions and answers</h2><ol>\(questions)</ol>")
            <h2>History</h2>
            \(Self.history(events, names: names))
            </article>
            """)
    }
}
