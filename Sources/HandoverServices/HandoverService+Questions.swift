import Foundation
import HandoverCore
import HandoverStore

extension HandoverService {
    /// Adds a message to the handover's thread.
    public func ask(id: String, body: String, by actor: Member) async throws -> HandoverQuestion {
        let (handover, parties) = try await handover(id: id, by: actor)
        guard Access.canAsk(handover, parties: parties, asker: actor) else {
            if !handover.state.isOpen { throw HandoverError.invalidTransition(from: handover.state, event: "take questions") }
            throw HandoverError.notPermitted(action: "write in this thread", reason: "auditors read without writing")
        }
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { throw HandoverError.invalid([Problem(path: "body", message: "write the question or answer")]) }
        if body.unicodeScalars.count > HandoverQuestion.maxLength {  // as the spec's maxLength counts: scalars, before trimming
            throw HandoverError.invalid([Problem(path: "body", message: "is longer than \(HandoverQuestion.maxLength) characters")])
        }
        try CredentialGuard.refuse(CredentialScan.findings([("body", text)]))
        let now = clock.now()
        let question = HandoverQuestion(
            id: ids.next(at: now), organizationID: actor.organizationID, handoverID: handover.id,
            authorID: actor.id, body: text, createdAt: now)
        try await store.addQuestion(question)
        return question
    }

    /// The thread, oldest first, for anyone who may see the handover.
    public func questions(id: String, by actor: Member) async throws -> [HandoverQuestion] {
        _ = try await handover(id: id, by: actor)
        return try await store.questions(handoverID: id, organizationID: actor.organizationID)
    }
}
