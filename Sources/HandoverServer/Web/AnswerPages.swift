import Foundation
import HandoverCore
import HandoverServices
import Hummingbird

/// The account page's "Ask the record" and its answers page (Docs/Answers.md): the passages
/// that answer a question, each with a link to its source, and, for when they do not, a form
/// that puts the question to the previous owner in the handover's thread. Every rule is
/// `AnswerService`'s.
extension WebRoutes {
    func registerAnswers(_ router: Router<AppContext>) {
        router.get("/accounts/:id/answers") { request, context in
            let viewer = try Viewer(request, context)
            let id = try context.parameters.require("id")
            let account = try await services.accounts.account(id: id, by: viewer.member)
            let question = Form(query: request)["q"] ?? ""
            guard !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                return Web.page(AnswerPages.page(account: account, question: "", answer: nil, problems: [], viewer: viewer))
            }
            do {
                let answer = try await services.answers.answer(accountID: id, question: question, by: viewer.member)
                return Web.page(AnswerPages.page(account: account, question: question, answer: answer, problems: [], viewer: viewer))
            } catch let error as HandoverError {
                return Web.page(
                    AnswerPages.page(account: account, question: question, answer: nil, problems: WebPages.problems(error), viewer: viewer),
                    status: WebPages.status(error))
            }
        }
    }
}

enum AnswerPages {
    /// The search box, on the account page and atop the answers.
    static func askForm(accountID: String, question: String) -> HTML {
        """
        <form id="ask-record" method="get" action="/accounts/\(accountID)/answers" class="filters" role="search">
        <div class="field"><label for="record-question">Ask the record</label>\
        <input type="search" id="record-question" name="q" value="\(question)" maxlength="\(SearchTerms.maxQuestionLength)" \
        placeholder="Who signs the renewal? What did they decide about pricing?"></div>
        <button type="submit" id="ask-record-button">Ask</button>
        </form>
        """
    }

    static func page(account: Account, question: String, answer: Answer?, problems: [Problem], viewer: Viewer) -> HTML {
        Layout(title: question.isEmpty ? "Ask about \(account.name)" : "\(question) · \(account.name)", member: viewer.member, csrf: viewer.csrf, current: "accounts")
            .render(
                """
                <p class="breadcrumb"><a href="/accounts">Accounts</a> › <a href="/accounts/\(account.id)">\(account.name)</a></p>
                <h1>Ask about \(account.name)</h1>
                <p class="lead">Answers come from the record: the profile, the handovers' packets, their threads and briefing notes. Each is quoted with a link to where it was written.</p>
                \(Web.errors(problems))
                \(askForm(accountID: account.id, question: question))
                \(answer.map { results($0, csrf: viewer.csrf) } ?? .empty)
                """)
    }

    static func results(_ answer: Answer, csrf: String) -> HTML {
        let items: [HTML] = answer.passages.map { hit in
            let paragraphs: [HTML] = hit.passage.text.split(separator: "\n").map { "<p>\(String($0))</p>" }
            return """
                <li class="card answer" data-key="\(hit.passage.key)"><h3>\(hit.passage.title)</h3>\
                <blockquote>\(paragraphs)</blockquote>\
                <p class="meta">\(label(hit.passage.kind)) · <a class="answer-source" href="\(hit.passage.link)">Open the source</a></p></li>
                """
        }
        let found: HTML =
            items.isEmpty
            ? "<p id=\"no-answer\" class=\"empty\">Nothing in the record has these words.</p>"
            : """
            <section aria-labelledby="answers-title"><h2 id="answers-title">From the record</h2>
            <ol id="answers" class="list">\(items)</ol></section>
            """
        guard let ask = answer.ask else {
            return items.isEmpty
                ? "\(found)<p class=\"guidance\">No handover of this account takes your questions now: try other words, or ask its owner directly.</p>"
                : found
        }
        return """
            \(found)
            <section id="ask-previous" aria-labelledby="ask-previous-title"><h2 id="ask-previous-title">\(items.isEmpty ? "Ask" : "Not answered? Ask") \(ask.previousOwnerName)</h2>
            <p>\(ask.previousOwnerName), the previous owner, can answer in the handover's thread, where the answer stays on the record.</p>
            <form id="ask-previous-owner" method="post" action="/handovers/\(ask.handoverID)/questions">\(CSRF.field(csrf))
            <div class="field"><label for="question">Your question to \(ask.previousOwnerName)</label>\
            <textarea id="question" name="question" rows="3" required>\(answer.question)</textarea></div>
            <button type="submit" id="ask-previous-owner-button" class="secondary">Ask \(ask.previousOwnerName)</button></form>
            </section>
            """
    }

    static func label(_ kind: PassageKind) -> String {
        switch kind {
        case .profile: "Account profile"
        case .packet: "Handover packet"
        case .thread: "Handover thread"
        case .briefing: "Briefing notes"
        case .imported: "Imported from another tool"
        }
    }
}
