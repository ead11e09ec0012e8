import Foundation
import HandoverCore
import HandoverStore

extension HandoverService {
    /// Adds a message to the handover's thread.
    public func ask(id: String, body: String, by actor: Member) async throws -> HandoverQuestion {
        let (handover, parties) = try await handover(id: id, by: actor)
        let template = try await templates.template(key: handover.templateKey, version: handover.templateVersion, organizationID: actor.organizationID)
        let now = clock.now()
        guard Access.canAsk(handover, parties: parties, asker: actor, rules: template.rules, now: now) else {
            if actor.role == .auditor { throw HandoverError.notPermitted(action: "write in this thread", reason: "auditors read without writing") }
            if let closed = QuestionWindow.closesAt(handover, rules: template.rules) {
                let days = QuestionWindow.days(template.rules)
                throw HandoverError.conflict(
                    "this thread closed on \(HumanDate.day(closed)), \(days) day\(days == 1 ? "" : "s") after the handover completed (the template's availability period)"
                )
            }
            throw HandoverError.invalidTransition(from: handover.state, event: "take questions")
        }
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { throw HandoverError.invalid([Problem(path: "body", message: "write the question or answer")]) }
        if body.unicodeScalars.count > HandoverQuestion.maxLength {  // as the spec's maxLength counts: scalars, before trimming
            throw HandoverError.invalid([Problem(path: "body", message: "is longer than \(HandoverQuestion.maxLength) characters")])
        }
        try CredentialGuard.refuse(CredentialScan.findings([("body", text)]))
        let question = HandoverQuestion(
            id: ids.next(at: now), organizationID: actor.organizationID, handoverID: handover.id,
            authorID: actor.id, body: text, createdAt: now)
        let earlier = try await store.questions(handoverID: handover.id, organizationID: actor.organizationID)
        // Read for the emails' wording only: whoever may write in the thread may hear the account's name.
        guard let account = try await store.account(id: handover.accountID, organizationID: actor.organizationID) else {
            throw StoreError.notFound("account \(handover.accountID)")
        }
        try await store.addQuestion(
            question, notices: try await questionNotices(question, after: earlier, handover: handover, parties: parties, account: account, by: actor))
        return question
    }

    /// Who hears of a new message in the thread. The members who wrote since the actor last did
    /// asked something the actor now answers: they hear `question.answered`. Otherwise it is a
    /// question for the other party: the transferor, or the recipient when the transferor
    /// writes first (`question.asked`). Never the actor.
    func questionNotices(
        _ question: HandoverQuestion, after earlier: [HandoverQuestion], handover: Handover, parties: Parties, account: Account, by actor: Member
    ) async throws -> [Notice] {
        let now = question.createdAt
        let sinceMine = earlier.reversed().prefix { $0.authorID != actor.id }
        var askers: [String] = []
        for message in sinceMine.reversed() where !askers.contains(message.authorID) { askers.append(message.authorID) }
        if !askers.isEmpty {
            var notices: [Notice?] = []
            for askerID in askers {
                guard let asker = try await store.member(id: askerID, organizationID: handover.organizationID) else { continue }
                notices.append(
                    NotificationMails.questionAnswered(
                        handover: handover, account: account, answerer: actor, to: asker, body: question.body, publicURL: mail.publicURL, id: ids.next(at: now),
                        at: now))
            }
            return Notice.forEvent(notices, actorID: actor.id)
        }
        let other = actor.id == parties.transferor.id ? parties.recipient : parties.transferor
        return Notice.forEvent(
            [
                NotificationMails.questionAsked(
                    handover: handover, account: account, asker: actor, to: other, body: question.body, publicURL: mail.publicURL, id: ids.next(at: now), at: now)
            ], actorID: actor.id)
    }

    /// The thread as a page shows it: the handover (for what came after completion), its messages
    /// and the organization's names, for anyone who may see the handover.
    public func thread(id: String, by actor: Member) async throws -> (handover: Handover, questions: [HandoverQuestion], names: [String: String]) {
        let (handover, _) = try await handover(id: id, by: actor)
        async let members = store.members(organizationID: actor.organizationID)
        let questions = try await store.questions(handoverID: handover.id, organizationID: actor.organizationID)
        return (handover, questions, Member.namesByID(try await members))
    }

    /// A tick each time the thread changes (here or on another replica), for anyone who may see
    /// the handover; the stream ends when dropped.
    public func threadChanges(id: String, by actor: Member) async throws -> AsyncStream<Void> {
        _ = try await handover(id: id, by: actor)
        return store.threadSignal.changes(handoverID: id)
    }

    /// The thread, oldest first, for anyone who may see the handover.
    public func questions(id: String, by actor: Member) async throws -> [HandoverQuestion] {
        _ = try await handover(id: id, by: actor)
        return try await store.questions(handoverID: id, organizationID: actor.organizationID)
    }
}
