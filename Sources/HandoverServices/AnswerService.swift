import Foundation
import HandoverCore
import HandoverStore

/// What the record says to a question about an account: its best passages, each a citation
/// with a link, and where the previous owner can be asked if they do not answer it.
public struct Answer: Sendable {
    public var question: String
    /// Best first; empty when no passage has any of the question's words.
    public var passages: [PassageHit]
    /// Where the question can go when the passages do not answer it (a passage that shares a
    /// word with a question need not answer it): nil when no handover's thread takes it.
    public var ask: AskOffer?
}

/// A handover thread where the asker may put the question to the previous owner.
public struct AskOffer: Sendable, Equatable {
    public var handoverID: String
    public var previousOwnerID: String
    public var previousOwnerName: String
}

/// The question answerer (Docs/Answers.md): full-text retrieval over one account's record
/// (profile, packets, threads, briefing notes), cut into passages that are re-cut whenever the
/// record's fingerprint moves. It cites; it never writes an answer of its own.
public struct AnswerService: Sendable {
    let store: any HandoverStore
    let templates: TemplateService
    let clock: WallClock

    /// How many passages an answer cites at most.
    public static let defaultLimit = 5
    public static let maxLimit = 20
    /// How many of an account's imported rows are searched (the newest import's first).
    static let importedLimit = 1_000

    public func answer(accountID: String, question: String, limit: Int = defaultLimit, by actor: Member) async throws -> Answer {
        // Length as JSON Schema's maxLength counts it (Unicode scalars, before trimming).
        if question.unicodeScalars.count > SearchTerms.maxQuestionLength {
            throw HandoverError.invalid([Problem(path: "q", message: "ask in at most \(SearchTerms.maxQuestionLength) characters")])
        }
        guard (1...Self.maxLimit).contains(limit) else {
            throw HandoverError.invalid([Problem(path: "limit", message: "ask for 1 to \(Self.maxLimit) passages")])
        }
        guard let terms = SearchTerms(question: question) else {
            throw HandoverError.invalid([Problem(path: "q", message: "ask with at least one word that says what about (\"who signs the renewal?\")")])
        }
        try await refreshPassages(accountID: accountID, organizationID: actor.organizationID)
        // The profile is every member's to read; a handover's passages only its viewers'. One
        // read of the asker's handovers (newest first) serves the filter and the offer.
        let handovers = try await store.handovers(visibleTo: actor, filter: HandoverFilter(accountID: accountID, limit: 1000, includeContent: false))
        let visible: [String]? = actor.role == .admin || actor.role == .auditor ? nil : handovers.map(\.id)
        let hits = try await store.searchPassages(
            accountID: accountID, organizationID: actor.organizationID, terms: terms, handoverIDs: visible, limit: limit)
        return Answer(
            question: question.trimmingCharacters(in: .whitespacesAndNewlines), passages: hits,
            ask: try await askOffer(among: handovers.prefix(20), asker: actor))
    }

    /// Re-cuts the account's passages if its record changed since they were cut. The record is
    /// read after its fingerprint, so passages are never older than the fingerprint stored with
    /// them (a change in between is re-cut by the next search). Of searches racing here, the
    /// first to write re-cuts; the store skips the others' writes.
    func refreshPassages(accountID: String, organizationID: String) async throws {
        guard let fingerprints = try await store.passageFingerprints(accountID: accountID, organizationID: organizationID) else {
            throw StoreError.notFound("account \(accountID)")
        }
        if fingerprints.isFresh { return }
        guard let account = try await store.account(id: accountID, organizationID: organizationID) else { throw StoreError.notFound("account \(accountID)") }
        var records: [AccountPassages.HandoverRecord] = []
        var people = Set<String>()
        for handover in try await store.handovers(accountID: accountID, organizationID: organizationID) {
            let template: Template?
            do {
                template = try await templates.template(key: handover.templateKey, version: handover.templateVersion, organizationID: organizationID)
            } catch StoreError.notFound {
                template = nil  // a template that is gone: its packet is skipped, not guessed at
            }
            let questions = try await store.questions(handoverID: handover.id, organizationID: organizationID)
            let briefings = try await store.briefings(handoverID: handover.id, organizationID: organizationID)
            people.formUnion(questions.map(\.authorID) + briefings.flatMap { $0.confirmations.map(\.memberID) })
            records.append(AccountPassages.HandoverRecord(handover: handover, template: template, questions: questions, briefings: briefings))
        }
        var names: [String: String] = [:]
        for id in people {
            if let member = try await store.member(id: id, organizationID: organizationID) { names[id] = member.name }
        }
        // The newest imported rows (an account can have thousands of tickets; the answerer reads the latest).
        let imported = try await store.importedRecords(accountID: accountID, organizationID: organizationID, limit: Self.importedLimit)
        let passages = AccountPassages.passages(account: account, handovers: records, names: names, imported: imported)
        try await store.replacePassages(passages, accountID: accountID, organizationID: organizationID, fingerprint: fingerprints.current, at: clock.now())
    }

    /// The newest of the asker's handovers of the account whose thread takes their question, from
    /// someone else: its transferor is the previous owner.
    func askOffer(among handovers: ArraySlice<Handover>, asker: Member) async throws -> AskOffer? {
        let now = clock.now()
        for handover in handovers where handover.transferorID != asker.id {
            guard let (_, parties) = try await store.handoverWithParties(id: handover.id, organizationID: asker.organizationID),
                let template = try? await templates.template(key: handover.templateKey, version: handover.templateVersion, organizationID: asker.organizationID),
                Access.canAsk(handover, parties: parties, asker: asker, rules: template.rules, now: now)
            else { continue }
            return AskOffer(handoverID: handover.id, previousOwnerID: parties.transferor.id, previousOwnerName: parties.transferor.name)
        }
        return nil
    }
}
