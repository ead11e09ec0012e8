import Foundation
import HandoverCore
import HandoverTestSupport
import Testing

/// The hints must agree with the rules: every step offered is one its takers may take now, nobody
/// else may, and completion is never offered while it would be refused.
@Suite struct NextStepTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var template: Template {
        var t = ContentFixtures.customerTemplate
        t.requiredSignoffs = [.transferor, .recipient, .manager]
        return t
    }
    let manager = Member(id: "mgr", organizationID: "o", email: "m@x.io", name: "M", role: .manager, createdAt: .distantPast)
    let transferor = Member(id: "t", organizationID: "o", email: "t@x.io", name: "T", role: .member, managerID: "mgr", createdAt: .distantPast)
    let recipient = Member(id: "r", organizationID: "o", email: "r@x.io", name: "R", role: .member, managerID: "mgr", createdAt: .distantPast)
    let stranger = Member(id: "s", organizationID: "o", email: "s@x.io", name: "S", role: .member, createdAt: .distantPast)
    let auditor = Member(id: "au", organizationID: "o", email: "a@x.io", name: "A", role: .auditor, createdAt: .distantPast)
    var parties: Parties { Parties(transferor: transferor, recipient: recipient) }
    var account: Account {
        Account(
            id: "a", organizationID: "o", name: "Acme", kind: .customer, ownerID: "t", profile: AccountProfile(renewalDate: CalendarDate("2027-01-01")),
            createdAt: now, updatedAt: now)
    }

    func handover(_ state: HandoverState, complete: Bool) -> Handover {
        Handover(
            id: "h", organizationID: "o", accountID: "a", templateKey: template.key, templateVersion: 1, transferorID: "t", recipientID: "r",
            state: state, content: complete ? ContentFixtures.complete(template) : HandoverContent(), version: 3, createdAt: now, updatedAt: now)
    }

    /// Whether `actor` may take `step` now, by the lifecycle's and the sign-off rules' own verdict.
    func allowed(_ step: NextStep, on h: Handover, by actor: Member, signed: Set<SignoffRole>) -> Bool {
        let event: HandoverEvent
        switch step.action {
        case .sign(let role):
            return (try? SignoffRules.check(role: role, by: actor, handover: h, parties: parties, template: template)) != nil
        case .fillIn:
            // Filling in is editing; submitting must still be refused for lint.
            do {
                _ = try Lifecycle.apply(
                    .submit, to: h, by: actor, parties: parties, template: template, account: account, signedRoles: signed, eventID: "e", at: now)
                return false
            } catch {
                if case .lintBlocked = error { return actor.id == h.transferorID }
                return false
            }
        case .submit: event = .submit
        case .review: event = .acknowledge(synthesis: "I own Acme now: renewal in January, two open items, CFO wants email.")
        case .revise: event = .revise
        case .settleAccessPlan:
            // Not a lifecycle event: the access rule for confirming a plan's line decides.
            return Access.canSettleAccessLine(h, parties: parties, actor: actor)
        case .complete: event = .complete
        case .verify: event = .verify(note: nil)
        case .close: event = .close
        }
        return
            (try? Lifecycle.apply(event, to: h, by: actor, parties: parties, template: template, account: account, signedRoles: signed, eventID: "e", at: now))
            != nil
    }

    func part(of member: Member, in h: Handover) -> SignoffRole? {
        member.id == h.transferorID ? .transferor : member.id == h.recipientID ? .recipient : nil
    }

    @Test(arguments: HandoverState.allCases)
    func everyStepOfferedIsAllowedToItsTakersAndNobodyElse(state: HandoverState) {
        let signedSets: [Set<SignoffRole>] = [[], [.transferor], [.transferor, .recipient], [.transferor, .recipient, .manager], [.recipient, .manager]]
        for complete in [true, false] where complete || state == .draft {
            for signed in signedSets {
                let h = handover(state, complete: complete)
                let missing = SignoffRules.missing(required: template.requiredSignoffs, signed: signed)
                let blocks = Lint.report(content: h.content, template: template, account: account, now: now).blocksSubmission
                let steps = NextStep.steps(for: h, missingSignoffs: missing, blocksSubmission: blocks)
                #expect(steps.isEmpty == [.closed, .cancelled].contains(state), "\(state)")
                for step in steps {
                    for actor in [transferor, recipient, manager, stranger, auditor] {
                        let offered = step.isFor(part: part(of: actor, in: h), managesAParty: parties.isManaged(by: actor) || actor.role == .admin)
                        #expect(offered == allowed(step, on: h, by: actor, signed: signed), "\(state) \(signed) \(step.action) for \(actor.id)")
                    }
                }
                if state == .acknowledged && !missing.isEmpty {
                    // Completion waits: the hint must not offer it, and the lifecycle must refuse it.
                    #expect(!steps.contains { $0.action == .complete })
                    #expect(!allowed(NextStep(.complete, by: [.recipient]), on: h, by: recipient, signed: signed))
                }
            }
        }
    }

    @Test func aGatedAccessPlanWithOpenLinesComesBeforeCompletion() {
        let h = handover(.acknowledged, complete: true)
        let steps = NextStep.steps(for: h, missingSignoffs: [], blocksSubmission: false, accessPlanOpen: 2)
        #expect(steps.map(\.action) == [.settleAccessPlan])
        for actor in [transferor, recipient, manager, stranger, auditor] {
            let offered = steps[0].isFor(part: part(of: actor, in: h), managesAParty: parties.isManaged(by: actor) || actor.role == .admin)
            #expect(offered == allowed(steps[0], on: h, by: actor, signed: []), "\(actor.id)")
        }
        #expect(NextStep.steps(for: h, missingSignoffs: [.recipient], blocksSubmission: false, accessPlanOpen: 2).map(\.action) == [.sign(.recipient)])
        #expect(NextStep.steps(for: h, missingSignoffs: [], blocksSubmission: false, accessPlanOpen: 0).map(\.action) == [.complete])
    }
}
