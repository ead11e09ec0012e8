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
        // A gated access plan holds completion back: the hint names it instead of "complete".
        var accessOpen = 0
        if handover.state == .acknowledged && missing.isEmpty,
            let plan = try? await client.get("/api/v1/handovers/\(handover.id)/access-plan", as: AccessPlanResponse.self).value, plan.gate
        {
            accessOpen = plan.open.count
        }
        let steps = NextStep.steps(for: handover, missingSignoffs: missing, blocksSubmission: blocks, accessPlanOpen: accessOpen)
        let hasKey = FileManager.default.fileExists(atPath: KeyFile.defaultPath(member: me.id).path)
        return lines(steps: steps, handover: handover, me: me, members: members, hasSigningKey: hasKey)
    }

    static func lines(steps: [NextStep], handover h: Handover, me: Member, members: [Member], hasSigningKey: Bool) -> [String] {
        let names = Member.namesByID(members)
        let byID = Dictionary(members.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let managesAParty: Bool
        if let transferor = byID[h.transferorID], let recipient = byID[h.recipientID] {
            managesAParty = me.role == .admin || Parties(transferor: transferor, recipient: recipient).isManaged(by: me)
        } else {
            managesAParty = me.role == .admin
        }
        let recipient = names[h.recipientID] ?? "the recipient"
        let (mine, waiting) = NextStep.forViewer(
            steps, viewer: me, handover: h, managesAParty: managesAParty, transferor: names[h.transferorID] ?? "the transferor", recipient: recipient)
        return mine.map { "Next: " + Self.command($0.action, h, recipient: recipient, hasSigningKey: hasSigningKey) } + (waiting.map { [$0] } ?? [])
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
        case .settleAccessPlan: "confirm or decline the access plan's open lines: 'handover access plan \(h.id)', then 'handover access confirm \(h.id) LINE'."
        case .complete: "'handover complete \(h.id)' makes \(recipient) the account's owner."
        case .verify: "check that it took, then 'handover verify \(h.id) --note \"…\"'."
        case .close: "'handover close \(h.id)'."
        }
    }
}
