import Foundation
import HandoverCore
import HandoverServices
import HandoverStore
import HandoverTrust
import Hummingbird
import HTTPTypes

/// The customer's introduction and the follow-up in the browser: `/handovers/{id}/introduction`
/// (preview, edit, choose contacts, send or record), `/handovers/{id}/follow-up` (results, the
/// recipient's survey, the manager's check-in), and the public `/survey/{token}` (no sign-in).
extension WebRoutes {
    func registerIntroduction(_ router: Router<AppContext>, limiter: SurveyRateLimiter) {
        router.get("/handovers/:id/introduction") { request, context in
            let viewer = try Viewer(request, context)
            let id = try context.parameters.require("id")
            let why = request.uri.queryParameters["why"].map(String.init)
            return Web.page(try await introductionPage(viewer, id: id, why: why, flash: Web.flash(request)))
        }
        router.post("/handovers/:id/introduction") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id")
            let draft = IntroductionDraft(form)
            do {
                switch form["action"] {
                case "preview":
                    return Web.page(try await introductionPage(viewer, id: id, why: form["why"], flash: nil))
                case "recorded":
                    _ = try await services.introductions.recordSentElsewhere(handoverID: id, note: form["note"], by: viewer.member)
                    return Web.redirect("/handovers/\(id)/introduction", done: "intro-recorded")
                default:
                    _ = try await services.introductions.send(handoverID: id, subject: draft.subject, body: draft.body, to: draft.to, by: viewer.member)
                    return Web.redirect("/handovers/\(id)/introduction", done: "intro-sent")
                }
            } catch let error as HandoverError {
                return Web.page(
                    try await introductionPage(viewer, id: id, why: form["why"], flash: nil, draft: draft, problems: WebPages.problems(error)),
                    status: WebPages.status(error))
            }
        }
        router.get("/handovers/:id/follow-up") { request, context in
            let viewer = try Viewer(request, context)
            return Web.page(try await followUpPage(viewer, id: try context.parameters.require("id"), flash: Web.flash(request)))
        }
        router.post("/handovers/:id/follow-up") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id")
            do {
                if form["action"] == "check-in" {
                    _ = try await services.followUps.checkIn(handoverID: id, note: form.text("note"), by: viewer.member)
                    return Web.redirect("/handovers/\(id)/follow-up", done: "checked-in")
                }
                guard let score = form.text("score").flatMap(Int.init) else {
                    throw HandoverError.invalid([Problem(path: "score", message: "choose a score from 1 to 5")])
                }
                _ = try await services.followUps.answer(
                    handoverID: id, enough: form["enough"] == "yes", missing: form["missing"] ?? "", rushed: form["rushed"] == "yes", score: score,
                    by: viewer.member)
                return Web.redirect("/handovers/\(id)/follow-up", done: "answered")
            } catch let error as HandoverError {
                return Web.page(try await followUpPage(viewer, id: id, flash: nil, problems: WebPages.problems(error)), status: WebPages.status(error))
            }
        }
        router.get("/survey/:token") { request, context in
            let token = try context.parameters.require("token")
            if let refusal = limiter.refusal(ip: context.sourceAddress ?? "", token: token) { return refusal }
            return try await surveyPage(token: token)
        }
        router.post("/survey/:token") { request, context in
            let token = try context.parameters.require("token")
            if let refusal = limiter.refusal(ip: context.sourceAddress ?? "", token: token) { return refusal }
            // No session and no CSRF cookie: the unguessable token in the path is the credential.
            let form = try await Form.read(request, context: context)
            let satisfaction = form.text("satisfaction").flatMap(Int.init) ?? 0
            do {
                if let refused = try await services.followUps.answerCustomerSurvey(
                    token: token, satisfaction: satisfaction, repeatedStory: form["repeated"] == "yes", comment: form["comment"] ?? "")
                {
                    return Self.surveyGone(refused)
                }
            } catch let error as HandoverError {
                return try await surveyPage(token: token, problems: WebPages.problems(error), status: .unprocessableContent)
            }
            return Web.page(
                Self.publicPage(
                    title: "Thank you",
                    """
                    <h1>Thank you</h1>
                    <p id="survey-thanks" class="lead">Your answer is recorded. It helps us make every change of contact smoother.</p>
                    """))
        }
    }

    func introductionPage(
        _ viewer: Viewer, id: String, why: String?, flash: String?, draft: IntroductionDraft? = nil, problems: [Problem] = []
    ) async throws -> HTML {
        let (handover, _) = try await handovers.handover(id: id, by: viewer.member)
        let account = try await services.accounts.account(id: handover.accountID, by: viewer.member)
        let title = "Introduce \(account.name)"
        let preview: IntroductionPreview
        do {
            preview = try await services.introductions.preview(handoverID: id, why: why, by: viewer.member)
        } catch let error as HandoverError {
            let sent = try await services.introductions.introductions(handoverID: id, by: viewer.member)
            return Layout(title: title, member: viewer.member, csrf: viewer.csrf, flash: flash).render(
                """
                <p class="meta"><a href="/handovers/\(id)">← Back to the handover</a></p>
                <h1>Introduce the new owner to \(account.name)</h1>
                <p id="intro-unavailable" class="lead">\(error.message)</p>
                \(Self.sentList(sent))
                """)
        }
        let subject = draft?.subject ?? preview.subject
        let body = draft?.body ?? preview.body
        let chosen = Set((draft?.to ?? preview.contacts.compactMap(\.email)).map { $0.lowercased() })
        let boxes: [HTML] = preview.contacts.enumerated().map { index, contact in
            let email = contact.email ?? ""
            return """
                <li><input type="checkbox" id="to-\(index)" name="to-\(index)" value="\(email)"\(HTML.attribute("checked", chosen.contains(email.lowercased())))> \
                <label for="to-\(index)">\(contact.name)\(contact.role.map { ", \($0)" }) &lt;\(email)&gt;</label></li>
                """
        }
        let errors: HTML =
            problems.isEmpty
            ? .empty
            : """
            <div id="errors" role="alert"><p>Not sent:</p><ul>\(problems.map { "<li>\($0.path.isEmpty ? "" : $0.path + ": ")\($0.message)</li>" as HTML })</ul></div>
            """
        return Layout(title: title, member: viewer.member, csrf: viewer.csrf, flash: flash).render(
            """
            <p class="meta"><a href="/handovers/\(id)">← Back to the handover</a></p>
            <h1>Introduce the new owner to \(account.name)</h1>
            <p class="lead">From <strong>\(preview.from.name ?? preview.from.address)</strong> &lt;\(preview.from.address)&gt;, \
            \(preview.cc.name ?? preview.cc.address) in copy. \(preview.willTick ? "Sending ticks “\(Introduction.checklistItem)” in the packet." : "")</p>
            \(errors)
            <form id="intro-why" method="post" action="/handovers/\(id)/introduction">\(CSRF.field(viewer.csrf))
            <input type="hidden" name="action" value="preview">
            <div class="field"><label for="why">Why the change (optional, fills <code>{{why}}</code>)</label>
            <textarea id="why" name="why" rows="2" maxlength="1000">\(why)</textarea></div>
            <button type="submit" id="intro-refresh" class="secondary">Fill in again</button>
            </form>
            <form id="intro-form" method="post" action="/handovers/\(id)/introduction">\(CSRF.field(viewer.csrf))
            <input type="hidden" name="action" value="send"><input type="hidden" name="why" value="\(why)">
            <fieldset><legend>To the key contacts</legend>
            \(boxes.isEmpty ? "<p class=\"empty\" id=\"intro-no-contacts\">No key contact has an email address: add them in the packet, or record that you introduced them another way.</p>" as HTML : "<ul class=\"list\" id=\"intro-contacts\">\(boxes)</ul>")
            </fieldset>
            <div class="field"><label for="intro-subject">Subject</label>
            <input type="text" id="intro-subject" name="subject" maxlength="250" value="\(subject)"></div>
            <div class="field"><label for="intro-body">Message</label>
            <textarea id="intro-body" name="body" rows="18">\(body)</textarea></div>
            <button type="submit" id="intro-send">Send the introduction</button>
            </form>
            <details id="intro-elsewhere"><summary>Introduced them another way?</summary>
            <form method="post" action="/handovers/\(id)/introduction">\(CSRF.field(viewer.csrf))
            <input type="hidden" name="action" value="recorded">
            <div class="field"><label for="intro-note">How (optional)</label><input type="text" id="intro-note" name="note" maxlength="2000"></div>
            <button type="submit" id="intro-record" class="secondary">Record that it was sent from elsewhere</button>
            </form></details>
            \(Self.sentList(preview.sent))
            """)
    }

    static func sentList(_ sent: [IntroductionRecord]) -> HTML {
        guard !sent.isEmpty else { return .empty }
        let items: [HTML] = sent.map { record in
            let what = record.mode == .sent ? "Emailed to \(record.to.map { $0.name ?? $0.address }.joined(separator: ", "))" : "Recorded as sent from elsewhere"
            return "<li class=\"introduction\">\(what) · \(Web.date(record.createdAt))\(record.ticked ? " · checklist ticked" : "")</li>"
        }
        return
            "<section id=\"intro-sent\" aria-labelledby=\"intro-sent-title\"><h2 id=\"intro-sent-title\">Introductions so far</h2><ul class=\"list\">\(items)</ul></section>"
    }

    func followUpPage(_ viewer: Viewer, id: String, flash: String?, problems: [Problem] = []) async throws -> HTML {
        let (handover, parties) = try await handovers.handover(id: id, by: viewer.member)
        let account = try await services.accounts.account(id: handover.accountID, by: viewer.member)
        let followUp = try await services.followUps.followUp(handoverID: id, by: viewer.member)
        let errors: HTML =
            problems.isEmpty
            ? .empty
            : "<div id=\"errors\" role=\"alert\"><ul>\(problems.map { "<li>\($0.path.isEmpty ? "" : $0.path + ": ")\($0.message)</li>" as HTML })</ul></div>"
        var body: HTML
        if let followUp {
            body = Self.followUpResults(followUp)
            if followUp.startedAt != nil, followUp.recipient == nil, viewer.member.id == handover.recipientID {
                let scores: [HTML] = (1...5).map { "<option value=\"\($0)\">\($0)</option>" }
                body = """
                    \(body)
                    <form id="followup-form" method="post" action="/handovers/\(id)/follow-up">\(CSRF.field(viewer.csrf))
                    <input type="hidden" name="action" value="answer">
                    <fieldset><legend>Was the handover enough to take the account over?</legend>
                    <label><input type="radio" name="enough" value="yes" checked> Yes</label> <label><input type="radio" name="enough" value="no"> No</label></fieldset>
                    <div class="field"><label for="missing">What was missing?</label><textarea id="missing" name="missing" rows="3" maxlength="2000"></textarea></div>
                    <fieldset><legend>Was it rushed?</legend>
                    <label><input type="radio" name="rushed" value="yes"> Yes</label> <label><input type="radio" name="rushed" value="no" checked> No</label></fieldset>
                    <div class="field"><label for="score">Overall, from 1 (poor) to 5 (excellent)</label><select id="score" name="score">\(scores)</select></div>
                    <button type="submit" id="followup-answer">Send my answers</button>
                    </form>
                    """
            }
            if followUp.mayCheckIn(handover, parties: parties, by: viewer.member) {
                body = """
                    \(body)
                    <section id="check-in" aria-labelledby="check-in-title"><h2 id="check-in-title">Your check-in</h2>
                    <p>Talk to \(parties.recipient.name) (and the customer, if you can), read the answers above, then verify the handover.</p>
                    <form method="post" action="/handovers/\(id)/follow-up">\(CSRF.field(viewer.csrf))
                    <input type="hidden" name="action" value="check-in">
                    <div class="field"><label for="check-in-note">Note (optional)</label><input type="text" id="check-in-note" name="note" maxlength="2000"></div>
                    <button type="submit" id="check-in-done">Checked in: verify the handover</button></form></section>
                    """
            }
        } else {
            body =
                "<p class=\"empty\" id=\"followup-none\">No follow-up is scheduled: it starts when the handover completes (customer accounts, or a template with followUpAfterDays).</p>"
        }
        return Layout(title: "Follow-up · \(account.name)", member: viewer.member, csrf: viewer.csrf, flash: flash).render(
            """
            <p class="meta"><a href="/handovers/\(id)">← Back to the handover</a></p>
            <h1>Follow-up of \(account.name)</h1>
            \(errors)
            \(body)
            """)
    }

    static func followUpResults(_ followUp: FollowUp) -> HTML {
        let when: HTML =
            followUp.startedAt.map { "Started \(Web.date($0))." as HTML } ?? "Starts \(Web.date(followUp.dueAt)): the recipient and the customer get their surveys then."
        let recipient: HTML =
            followUp.recipient.map { answer in
                """
                <dl class="facts" id="followup-recipient"><dt>Enough</dt><dd>\(answer.enough ? "Yes" : "No")</dd><dt>Rushed</dt><dd>\(answer.rushed ? "Yes" : "No")</dd>\
                <dt>Score</dt><dd>\(answer.score) / 5</dd><dt>Missing</dt><dd>\(answer.missing.isEmpty ? "—" : answer.missing)</dd></dl>
                """
            } ?? "<p class=\"empty\" id=\"followup-recipient-waiting\">The recipient has not answered yet.</p>"
        let checkedIn: HTML = followUp.checkedInAt.map { "<p id=\"followup-checked-in\">Manager checked in \(Web.date($0)).</p>" as HTML } ?? ""
        return """
            <section id="follow-up" aria-labelledby="follow-up-title"><h2 id="follow-up-title">Follow-up</h2>
            <p class="meta">\(when)</p>
            <h3>The recipient</h3>\(recipient)
            <h3>The customer</h3>\(customerSurveys(followUp.customers))
            \(checkedIn)</section>
            """
    }

    static func customerSurveys(_ surveys: [CustomerSurvey]) -> HTML {
        guard !surveys.isEmpty else { return "<p class=\"empty\">No customer survey: they go to the contacts the introduction was emailed to.</p>" }
        let rows: [HTML] = surveys.map { survey in
            let answer: HTML =
                survey.answeredAt == nil
                ? "<td data-label=\"Answer\" colspan=\"3\">Not answered (link valid until \(Web.day(survey.expiresAt)))</td>"
                : """
                <td data-label="Satisfaction">\(survey.satisfaction ?? 0) / 5</td><td data-label="Repeated their story">\(survey.repeatedStory == true ? "Yes" : "No")</td>\
                <td data-label="Comment">\(survey.comment ?? "—")</td>
                """
            return "<tr class=\"customer-survey\"><td>\(survey.contactName ?? survey.contactEmail)</td>\(answer)</tr>"
        }
        return """
            <div class="table-wrap"><table class="stack" id="customer-surveys"><caption class="visually-hidden">Customer surveys</caption>
            <thead><tr><th scope="col">Contact</th><th scope="col">Satisfaction</th><th scope="col">Repeated their story?</th><th scope="col">Comment</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
    }

    // MARK: The public survey

    func surveyPage(token: String, problems: [Problem] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let lookup = try await services.followUps.customerSurvey(token: token)
        guard case .open(let survey, let accountName) = lookup else { return Self.surveyGone(lookup) }
        let scores: [HTML] = (1...5).map {
            "<label class=\"score-choice\"><input type=\"radio\" name=\"satisfaction\" value=\"\($0)\"\(HTML.attribute("required", $0 == 1))> \($0)</label>"
        }
        let errors: HTML =
            problems.isEmpty ? .empty : "<div id=\"errors\" role=\"alert\"><ul>\(problems.map { "<li>\($0.message)</li>" as HTML })</ul></div>"
        return Web.page(
            Self.publicPage(
                title: "Your new contact",
                """
                <h1>How was the change of contact?</h1>
                <p class="lead">Hello\(survey.contactName.map { " " + $0 } ?? ""): a new person now looks after \(accountName) for you. Three questions, \
                no sign-in; this link works once, until \(Web.day(survey.expiresAt)).</p>
                \(errors)
                <form id="survey-form" method="post" action="/survey/\(token)">
                <fieldset><legend>How satisfied are you with the change, from 1 (not at all) to 5 (very)?</legend>\(scores)</fieldset>
                <fieldset><legend>Did you have to repeat your story to your new contact?</legend>
                <label><input type="radio" name="repeated" value="yes"> Yes</label> <label><input type="radio" name="repeated" value="no" checked> No</label></fieldset>
                <div class="field"><label for="comment">Anything else? (optional)</label><textarea id="comment" name="comment" rows="4" maxlength="2000"></textarea></div>
                <button type="submit" id="survey-submit">Send</button>
                </form>
                """), status: status)
    }

    static func surveyGone(_ lookup: CustomerSurveyLookup) -> Response {
        let (status, text): (HTTPResponse.Status, String) =
            switch lookup {
            case .used: (.gone, "This survey was answered already: each link works once. Thank you.")
            case .expired: (.gone, "This survey link has expired.")
            case .unknown, .open: (.notFound, "This survey link is not known. Check that the whole link was copied.")
            }
        return Web.page(publicPage(title: "Survey", "<h1>Survey</h1><p id=\"survey-gone\" class=\"lead\">\(text)</p>"), status: status)
    }

    static func publicPage(title: String, _ content: HTML) -> HTML {
        Layout(title: title, member: nil, csrf: nil).render(content)
    }
}

/// What the introduction form posted, kept to show again after a refusal.
struct IntroductionDraft: Sendable {
    var subject: String
    var body: String
    var to: [String]

    init(_ form: Form) {
        subject = form["subject"] ?? ""
        body = form["body"] ?? ""
        to = form.values.keys.filter { $0.hasPrefix("to-") }.sorted { (Int($0.dropFirst(3)) ?? 0) < (Int($1.dropFirst(3)) ?? 0) }.compactMap { form[$0] }
    }
}

/// A small in-memory limit on the public survey pages: at most 30 requests a minute per address
/// and 10 per token, so links cannot be guessed at speed and one link cannot be hammered. Per
/// process (each replica counts its own); the tokens' 256 bits do the real work.
final class SurveyRateLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private var hits: [String: (windowStart: Date, count: Int)] = [:]
    let perAddress: Int
    let perToken: Int
    let window: TimeInterval

    init(perAddress: Int = 30, perToken: Int = 10, window: TimeInterval = 60) {
        self.perAddress = perAddress
        self.perToken = perToken
        self.window = window
    }

    /// A 429 page when over either limit; nil to go ahead.
    func refusal(ip: String, token: String, now: Date = Date()) -> Response? {
        let allowed = lock.withLock {
            trimIfFull(now: now)
            // An address over its limit is refused before its token is counted, so guesses from
            // one address add nothing to the table.
            guard count("ip:" + ip, now: now) <= perAddress else { return false }
            return count("token:" + SurveyToken.digest(token), now: now) <= perToken
        }
        guard !allowed else { return nil }
        var response = Web.page(
            WebRoutes.publicPage(title: "Survey", "<h1>Survey</h1><p id=\"survey-slow-down\" class=\"lead\">Too many tries: wait a minute and reload.</p>"),
            status: .tooManyRequests)
        response.headers[.retryAfter] = String(Int(window))
        return response
    }

    /// The most entries kept. Past it, the expired ones go; if that leaves over half, all go
    /// (the limits start again; the tokens' 256 bits do the real work). Either way the next
    /// trim is at least `capacity / 2` requests away, so no request pays for a long walk twice.
    static let capacity = 10_000

    private func trimIfFull(now: Date) {
        guard hits.count >= Self.capacity else { return }
        hits = hits.filter { now.timeIntervalSince($0.value.windowStart) < window }
        if hits.count > Self.capacity / 2 { hits.removeAll(keepingCapacity: true) }
    }

    /// Entries held now (tests check the table stays bounded).
    var entries: Int { lock.withLock { hits.count } }

    private func count(_ key: String, now: Date) -> Int {
        if let entry = hits[key], now.timeIntervalSince(entry.windowStart) < window {
            hits[key] = (entry.windowStart, entry.count + 1)
            return entry.count + 1
        }
        hits[key] = (now, 1)
        return 1
    }
}
