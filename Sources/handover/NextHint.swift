import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

/// The "Next:" lines after a command: `NextStep.steps` (the one answer the web uses too), said as
/// the commands the signed-in member can run, or who the handover waits for.
enum NextHint {
    /// Reads what the steps depend on (who you are, the sign-offs, the lint verdict) and says them.
    /// A hint is a courtesy: when a read fails, it says nothing rather than something wrong.
    static func lines(for handover: Handover, client: HandoverAPIClient) async -> [String] {
        guard let me = try? await client.get("/api/v1/me", as: Member.self).value,
            let members = try? await client.get("/api/v1/members", as: ListResponse<Member>.self).value.items
        else { return [] }
        var missing: [SignoffRole] = []
        if handover.state == .submitted || handover.state == .acknowledged {
            guard let status = try? await client.get("/api/v1/handovers/\(handover.id)/signoffs", as: SignoffStatus.self).value else { return [] }
            missing = status.missing
        }
        var blocks = false
        if handover.state == .draft {
            guard let lint = try? await client.get("/api/v1/handovers/\(handover.id)/lint", as: LintReport.self).value else { return [] }
            blocks = lint.blocksSubmission
        }
        let steps = NextStep.steps(for: handover, missingSignoffs: missing, blocksSubmission: blocks)
        let hasKey = FileManager.default.fileExists(atPath: KeyFile.defaultPath(member: me.id).path)
        return lines(steps: steps, handover: handover, me: me, members: members, hasSigningKey: hasKey)
    }

    static func lines(steps: [NextStep], handover h: Handover, me: Member, members: [Member], hasSigningKey: Bool) -> [String] {
        let names = Member.namesByID(members)
        let transferor = names[h.transferorID] ?? "the transferor", recipient = names[h.recipientID] ?? "the recipient"
        let byID = Dictionary(members.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let managesAParty =
            me.role == .admin
            || (me.role == .manager && [h.transferorID, h.recipientID].contains { byID[$0]?.managerID == me.id })
        let part: SignoffRole? = me.id == h.transferorID ? .transferor : me.id == h.recipientID ? .recipient : nil
        let mine = steps.filter { $0.isFor(part: part, managesAParty: managesAParty) }
        let theirs = steps.filter { !$0.isFor(part: part, managesAParty: managesAParty) }

        var lines = mine.map { "Next: " + Self.command($0.action, h, recipient: recipient, hasSigningKey: hasSigningKey) }
        let waits = theirs.map { step -> String in
            let who = step.by.sorted { $0.rawValue > $1.rawValue }.map { role in
                switch role {
                case .transferor: transferor
                case .recipient: recipient
                case .manager: "a manager"
                }
            }
            return "\(who.joined(separator: " or ")) to \(Self.phrase(step.action, recipient: recipient))"
        }
        if !waits.isEmpty { lines.append("Waiting for " + waits.joined(separator: "; and for ") + ".") }
        return lines
    }

    /// What to run for a step that is yours.
    static func command(_ action: NextStep.Action, _ h: Handover, recipient: String, hasSigningKey: Bool) -> String {
        switch action {
        case .fillIn: "'handover lint \(h.id)' shows what blocks submission; 'handover edit \(h.id) --interactive' fills it in."
        case .submit: "'handover submit \(h.id)' sends it to \(recipient)."
        case .review:
            "read it with 'handover show \(h.id)', ask with 'handover ask \(h.id) \"…\"', then accept it in your own words with 'handover ack \(h.id) --synthesis \"…\"' (or 'handover return \(h.id) --reason \"…\"')."
        case .revise: "'handover revise \(h.id)' reopens the draft for your changes."
        case .sign(let role):
            hasSigningKey
                ? "sign it off as \(role.rawValue) with 'handover sign \(h.id)'."
                : "sign it off as \(role.rawValue): 'handover key new' (once, makes your signing key), then 'handover sign \(h.id)'."
        case .complete: "'handover complete \(h.id)' makes \(recipient) the account's owner."
        case .verify: "check that it took, then 'handover verify \(h.id) --note \"…\"'."
        case .close: "'handover close \(h.id)'."
        }
    }

    /// A step someone else takes, after "Waiting for NAME to …".
    static func phrase(_ action: NextStep.Action, recipient: String) -> String {
        switch action {
        case .fillIn: "finish the draft"
        case .submit: "submit it"
        case .review: "review and acknowledge it"
        case .revise: "revise it"
        case .sign(let role): "sign it off as \(role.rawValue)"
        case .complete: "complete it, making \(recipient) the owner"
        case .verify: "verify that it took"
        case .close: "close it"
        }
    }
}
