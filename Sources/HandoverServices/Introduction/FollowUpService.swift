import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust

/// What a customer's survey link leads to.
public enum CustomerSurveyLookup: Sendable, Equatable {
    /// Open: the survey and the account's name (all the page shows of the organization).
    case open(CustomerSurvey, accountName: String)
    /// Answered already (single use).
    case used
    /// Past its expiry.
    case expired
    /// No such link.
    case unknown
}

/// The follow-up after a completed handover (issue 15 part 6): started by the `followup.start`
/// job the completion scheduled; the recipient's survey, the customers' tokenized surveys, the
/// results, and the manager's check-in that verifies the handover.
public struct FollowUpService: Sendable {
    let store: any HandoverStore
    let handovers: HandoverService
    let keys: LogKeys
    let clock: WallClock
    let ids: IDMaker

    public init(store: any HandoverStore, handovers: HandoverService, keys: LogKeys, clock: WallClock = .system, ids: IDMaker = .random) {
        self.store = store
        self.handovers = handovers
        self.keys = keys
        self.clock = clock
        self.ids = ids
    }

    // MARK: The job

    /// Starts the follow-up a `followup.start` job names, once (a second run finds it started):
    /// the recipient is asked for the short survey and the managers for their check-in (notices,
    /// by preference), and every key contact the introduction went to gets a survey link (its
    /// token is derived, never stored; the email keeps a placeholder).
    public func start(_ job: Job) async throws {
        guard let organizationID = job.organizationID,
            let payload = try? JSONDecoder().decode([String: String].self, from: Data(job.payload.utf8)), let id = payload["handover"]
        else { throw FollowUpJobError("followup.start job \(job.id) names no handover") }
        guard let handover = try await store.handover(id: id, organizationID: organizationID),
            let followUp = try await store.followUp(handoverID: id, organizationID: organizationID), followUp.startedAt == nil
        else { return }
        let now = clock.now()
        guard let (_, parties) = try await store.handoverWithParties(id: id, organizationID: organizationID) else { return }
        let recipient = parties.recipient
        let account = try await store.account(id: handover.accountID, organizationID: organizationID)
        let accountName = account?.name ?? "the account"
        // Members hear of it by their preference (`followup.due`): the recipient their survey, the
        // managers (or the admins) the check-in that now waits.
        let managers = try await NotificationService.managers(of: parties, organizationID: organizationID, store: store)
        let notices = Notice.forEvent(
            ([recipient] + managers).map {
                NotificationMails.followUp(
                    handover: handover, account: account, parties: parties, to: $0, publicURL: handovers.mail.publicURL, id: ids.next(at: now), at: now)
            }, actorID: nil)
        var mail: [OutboxMessage] = []
        var surveys: [(survey: CustomerSurvey, tokenDigest: String)] = []
        let expires = now.addingTimeInterval(TimeInterval(FollowUp.surveyLinkDays) * 86_400)
        for introduction in try await store.introductions(handoverID: id, organizationID: organizationID) where introduction.mode == .sent {
            for contact in introduction.to where !surveys.contains(where: { $0.survey.contactEmail.lowercased() == contact.address.lowercased() }) {
                let surveyID = ids.next(at: now)
                let survey = CustomerSurvey(
                    id: surveyID, handoverID: id, accountID: handover.accountID, contactName: contact.name, contactEmail: contact.address, createdAt: now,
                    expiresAt: expires)
                surveys.append((survey, SurveyToken.digest(keys.surveyToken(surveyID: surveyID))))
                // The message's id is the survey's: the mail job derives the link from it.
                mail.append(
                    OutboxMessage(
                        id: surveyID, organizationID: organizationID, handoverID: id, kind: OutboxKind.followUpCustomer, to: [contact],
                        subject: HandoverMails.headerSafe("Two minutes on your new contact for \(accountName)?"),
                        text: """
                            Hello \(contact.name ?? ""),

                            A few weeks ago \(recipient.name) became your contact for \(accountName). Did it go well? \
                            Three questions, no sign-in, and the link works once, for \(FollowUp.surveyLinkDays) days:
                            \(SurveyToken.placeholder)

                            Thank you.
                            """, createdAt: now))
            }
        }
        _ = try await store.startFollowUp(handoverID: id, organizationID: organizationID, surveys: surveys, mail: mail, notices: notices, at: now)
    }

    /// The outbox message as it goes out: a customer's survey email gets its link.
    public func expand(_ message: OutboxMessage) -> OutboxMessage {
        guard message.kind == OutboxKind.followUpCustomer else { return message }
        var message = message
        let link = handovers.mail.publicURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/survey/" + keys.surveyToken(surveyID: message.id)
        message.text = message.text.replacingOccurrences(of: SurveyToken.placeholder, with: link)
        message.html = message.html?.replacingOccurrences(of: SurveyToken.placeholder, with: link)
        return message
    }

    // MARK: Results and answers

    /// The handover's follow-up (nil before completion scheduled one), for anyone who may see it.
    public func followUp(handoverID: String, by actor: Member) async throws -> FollowUp? {
        let (handover, _) = try await handovers.handover(id: handoverID, by: actor)
        return try await store.followUp(handoverID: handover.id, organizationID: actor.organizationID)
    }

    /// The recipient's answer to the short survey, once, after the follow-up started.
    public func answer(handoverID: String, enough: Bool, missing: String, rushed: Bool, score: Int, by actor: Member) async throws -> FollowUp {
        let (handover, _) = try await handovers.handover(id: handoverID, by: actor)
        guard actor.id == handover.recipientID else {
            throw HandoverError.notPermitted(action: "answer the follow-up survey", reason: "only the recipient of the handover answers it")
        }
        try FollowUp.checkScore(score, path: "score")
        try FollowUp.checkText(missing, path: "missing")
        let missing = missing.trimmingCharacters(in: .whitespacesAndNewlines)
        try CredentialGuard.refuse(CredentialScan.findings([("missing", missing)]))
        guard let followUp = try await store.followUp(handoverID: handover.id, organizationID: actor.organizationID), followUp.startedAt != nil else {
            throw HandoverError.conflict("the follow-up of this handover has not started yet")
        }
        if followUp.recipient != nil { throw HandoverError.conflict("you answered this follow-up already") }
        let answer = RecipientSurveyAnswer(enough: enough, missing: missing, rushed: rushed, score: score, answeredAt: clock.now())
        guard try await store.answerRecipientSurvey(handoverID: handover.id, organizationID: actor.organizationID, answer: answer, by: AuditActor(member: actor.id))
        else { throw HandoverError.conflict("you answered this follow-up already") }
        return try await store.followUp(handoverID: handover.id, organizationID: actor.organizationID) ?? followUp
    }

    /// The manager's check-in, once the follow-up has started: verifies the completed handover
    /// (Lifecycle's verify: a manager of the parties or an admin), which records the check-in on
    /// the follow-up in its transaction.
    public func checkIn(handoverID: String, note: String?, by actor: Member) async throws -> Handover {
        let (handover, parties) = try await handovers.handover(id: handoverID, by: actor)
        // Who first, then when: a party learns that the check-in is not theirs, not when it opens.
        guard actor.role != .auditor, actor.role == .admin || parties.isManaged(by: actor) else {
            throw HandoverError.notPermitted(action: "check in", reason: "only a manager of the parties or an admin does the check-in")
        }
        guard let followUp = try await store.followUp(handoverID: handover.id, organizationID: actor.organizationID) else {
            throw HandoverError.conflict("this handover has no follow-up to check in on; verify it instead")
        }
        guard followUp.startedAt != nil else {
            throw HandoverError.conflict("the follow-up of this handover has not started yet: the check-in comes after the surveys")
        }
        // Any other refusal (no longer completed) is Lifecycle's, with its own words.
        return try await handovers.transition(id: handover.id, event: .verify(note: note), expectedVersion: nil, by: actor)
    }

    /// The customers' answers about an account, newest first, for anyone who may see the account.
    public func customerSurveys(accountID: String, by actor: Member) async throws -> [CustomerSurvey] {
        let account = try await handovers.accounts.account(id: accountID, by: actor)
        return try await store.customerSurveys(accountID: account.id, organizationID: actor.organizationID)
    }

    // MARK: The public survey (no sign-in)

    /// What a survey link leads to. Malformed tokens are unknown without a lookup.
    public func customerSurvey(token: String) async throws -> CustomerSurveyLookup {
        guard SurveyToken.isWellFormed(token), let (organizationID, survey) = try await store.customerSurvey(tokenDigest: SurveyToken.digest(token)) else {
            return .unknown
        }
        if survey.answeredAt != nil { return .used }
        if survey.expiresAt <= clock.now() { return .expired }
        let account = try await store.account(id: survey.accountID, organizationID: organizationID)
        return .open(survey, accountName: account?.name ?? "")
    }

    /// Records a customer's answer through their link, once. Returns what the link now leads to
    /// when the answer was not taken (used, expired, unknown); nil when it was.
    public func answerCustomerSurvey(token: String, satisfaction: Int, repeatedStory: Bool, comment: String) async throws -> CustomerSurveyLookup? {
        try FollowUp.checkScore(satisfaction, path: "satisfaction")
        try FollowUp.checkText(comment, path: "comment")
        guard SurveyToken.isWellFormed(token), let (organizationID, survey) = try await store.customerSurvey(tokenDigest: SurveyToken.digest(token)) else {
            return .unknown
        }
        // A customer cannot be sent back to retype a comment: a pasted password is cut out instead.
        let comment = CredentialScan.redacted(comment.trimmingCharacters(in: .whitespacesAndNewlines))
        if try await store.answerCustomerSurvey(
            id: survey.id, organizationID: organizationID, satisfaction: satisfaction, repeatedStory: repeatedStory, comment: comment.isEmpty ? nil : comment,
            at: clock.now())
        {
            return nil
        }
        return survey.answeredAt != nil || survey.expiresAt > clock.now() ? .used : .expired
    }
}

struct FollowUpJobError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
