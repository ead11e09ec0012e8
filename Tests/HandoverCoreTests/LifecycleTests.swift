import Foundation
import HandoverCore
import HandoverTestSupport
import Testing

@Suite struct LifecycleTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let template = ContentFixtures.customerTemplate
    let manager = Member(id: "mgr", organizationID: "o", email: "m@x.io", name: "M", role: .manager, createdAt: .distantPast)
    var transferor: Member { Member(id: "t", organizationID: "o", email: "t@x.io", name: "T", role: .member, managerID: "mgr", createdAt: .distantPast) }
    var recipient: Member { Member(id: "r", organizationID: "o", email: "r@x.io", name: "R", role: .member, managerID: "mgr", createdAt: .distantPast) }
    let stranger = Member(id: "s", organizationID: "o", email: "s@x.io", name: "S", role: .member, createdAt: .distantPast)
    let auditor = Member(id: "au", organizationID: "o", email: "a@x.io", name: "A", role: .auditor, createdAt: .distantPast)
    let admin = Member(id: "ad", organizationID: "o", email: "ad@x.io", name: "Ad", role: .admin, createdAt: .distantPast)
    var parties: Parties { Parties(transferor: transferor, recipient: recipient) }
    var account: Account {
        Account(
            id: "a", organizationID: "o", name: "Acme", kind: .customer, ownerID: "t", profile: AccountProfile(renewalDate: CalendarDate("2027-01-01")), createdAt: now,
            updatedAt: now)
    }

    func handover(_ state: HandoverState, complete: Bool = true) -> Handover {
        Handover(
            id: "h", organizationID: "o", accountID: "a", templateKey: template.key, templateVersion: 1, transferorID: "t", recipientID: "r",
            state: state, content: complete ? ContentFixtures.complete(template) : HandoverContent(), version: 3, createdAt: now, updatedAt: now)
    }

    func apply(
        _ event: HandoverEvent, _ h: Handover, by actor: Member, account: Account? = nil,
        signed: Set<SignoffRole> = [.transferor, .recipient]
    ) throws(HandoverError) -> Transition {
        try Lifecycle.apply(
            event, to: h, by: actor, parties: parties, template: template, account: account ?? self.account,
            signedRoles: signed, eventID: "e", at: now)
    }

    static let synthesis = "I now own Acme: renewal in January, the CFO wants email only, two open items."

    @Test func theHappyPathMovesOwnershipAtCompletion() throws {
        var h = handover(.draft)
        h = try apply(.submit, h, by: transferor).handover
        #expect(h.state == .submitted && h.submittedAt == now)
        h = try apply(.acknowledge(synthesis: Self.synthesis), h, by: recipient).handover
        #expect(h.state == .acknowledged && h.synthesis == Self.synthesis)
        let completion = try apply(.complete, h, by: recipient)
        #expect(completion.handover.state == .completed)
        #expect(completion.newOwnerID == "r")
        #expect(completion.record.fromState == .acknowledged && completion.record.toState == .completed && completion.record.actorID == "r")
        h = try apply(.verify(note: "checked in after a week"), completion.handover, by: manager).handover
        h = try apply(.close, h, by: manager).handover
        #expect(h.state == .closed)
        #expect(h.version == 3 + 5)
    }

    @Test func submissionIsGatedByLint() {
        #expect(throws: HandoverError.self) { try apply(.submit, handover(.draft, complete: false), by: transferor) }
        do {
            _ = try apply(.submit, handover(.draft, complete: false), by: transferor)
        } catch {
            guard case .lintBlocked(let report) = error else { Issue.record("expected lintBlocked, got \(error)"); return }
            #expect(report.blocksSubmission)
        }
    }

    @Test func acknowledgmentNeedsARealSynthesis() {
        for synthesis in ["", "   ", "ok, got it"] {
            #expect(throws: HandoverError.self) { try apply(.acknowledge(synthesis: synthesis), handover(.submitted), by: recipient) }
        }
        // A credential is refused by field and kind, never quoted; so are the other events' words.
        #expect(throws: HandoverError.credentialInText([CredentialFinding(path: "synthesis", kind: "password")])) {
            try apply(.acknowledge(synthesis: "Fine. The admin password: hunter2hunter2"), handover(.submitted), by: recipient)
        }
        #expect(throws: HandoverError.credentialInText([CredentialFinding(path: "reason", kind: "password")])) {
            try apply(.returnToTransferor(reason: "Missing the admin password: hunter2hunter2"), handover(.submitted), by: recipient)
        }
    }

    @Test func aShortSynthesisIsRefusedInOneShortSentence() {
        do {
            _ = try apply(.acknowledge(synthesis: "ok, got it"), handover(.submitted), by: recipient)
            Issue.record("a short synthesis was accepted")
        } catch {
            // Not the template's whole prompt (the form shows it beside the box), and no "..".
            #expect(error.message == "Invalid input: synthesis: restate the handover in your own words, in at least 20 characters.")
        }
    }

    @Test func aReturnNeedsAReasonAndGoesBackThroughDraft() throws {
        #expect(throws: HandoverError.self) { try apply(.returnToTransferor(reason: " "), handover(.submitted), by: recipient) }
        var h = try apply(.returnToTransferor(reason: "No renewal terms"), handover(.submitted), by: recipient).handover
        #expect(h.state == .returned && h.returnReason == "No renewal terms")
        h = try apply(.revise, h, by: transferor).handover
        #expect(h.state == .draft)
        h = try apply(.submit, h, by: transferor).handover
        #expect(h.state == .submitted && h.returnReason == nil)
    }

    @Test func onlyTheRightPeopleMoveIt() {
        #expect(throws: HandoverError.notPermitted(action: "submit", reason: "only the transferor submits a handover")) {
            try apply(.submit, handover(.draft), by: recipient)
        }
        #expect(throws: HandoverError.self) { try apply(.acknowledge(synthesis: Self.synthesis), handover(.submitted), by: transferor) }
        #expect(throws: HandoverError.self) { try apply(.complete, handover(.acknowledged), by: stranger) }
        #expect(throws: HandoverError.self) { try apply(.cancel(reason: nil), handover(.draft), by: auditor) }
        #expect(throws: HandoverError.self) { try apply(.verify(note: nil), handover(.completed), by: transferor) }
        #expect((try? apply(.complete, handover(.acknowledged), by: admin)) != nil)
        #expect((try? apply(.cancel(reason: "left"), handover(.submitted), by: manager)) != nil)
    }

    @Test func completionRefusesWhenTheOwnerChanged() {
        var moved = account
        moved.ownerID = "someone-else"
        #expect(throws: HandoverError.accountOwnerChanged) { try apply(.complete, handover(.acknowledged), by: recipient, account: moved) }
    }

    @Test func completionWaitsForTheTemplatesSignoffs() throws {
        #expect(throws: HandoverError.signoffsMissing([.transferor, .recipient])) { try apply(.complete, handover(.acknowledged), by: recipient, signed: []) }
        #expect(throws: HandoverError.signoffsMissing([.recipient])) { try apply(.complete, handover(.acknowledged), by: recipient, signed: [.transferor]) }
        // A template that also asks for the manager.
        var strict = template
        strict.requiredSignoffs = [.transferor, .recipient, .manager]
        let h = handover(.acknowledged)
        #expect(throws: HandoverError.signoffsMissing([.manager])) {
            try Lifecycle.apply(
                .complete, to: h, by: recipient, parties: parties, template: strict, account: account,
                signedRoles: [.transferor, .recipient], eventID: "e", at: now)
        }
        #expect(
            try Lifecycle.apply(
                .complete, to: h, by: recipient, parties: parties, template: strict, account: account,
                signedRoles: [.transferor, .recipient, .manager], eventID: "e", at: now
            ).handover.state == .completed)
    }

    @Test func whoMaySignInWhichRoleAndWhen() {
        var strict = template
        strict.requiredSignoffs = [.transferor, .recipient, .manager]
        func check(_ role: SignoffRole, _ actor: Member, _ state: HandoverState, _ t: Template? = nil) -> Bool {
            (try? SignoffRules.check(role: role, by: actor, handover: handover(state), parties: parties, template: t ?? strict)) != nil
        }
        #expect(check(.transferor, transferor, .submitted) && check(.transferor, transferor, .acknowledged))
        #expect(!check(.transferor, transferor, .draft) && !check(.transferor, recipient, .submitted))
        #expect(check(.recipient, recipient, .acknowledged))
        #expect(!check(.recipient, recipient, .submitted), "the recipient signs after restating it")
        #expect(check(.manager, manager, .acknowledged) && check(.manager, admin, .acknowledged))
        #expect(!check(.manager, stranger, .acknowledged) && !check(.manager, auditor, .acknowledged))
        #expect(!check(.manager, manager, .acknowledged, template), "the customer template asks for no manager")
        #expect(!check(.transferor, transferor, .completed))
        #expect(SignoffRules.role(of: transferor, in: handover(.submitted)) == .transferor)
        #expect(SignoffRules.role(of: manager, in: handover(.submitted)) == .manager)
    }

    /// Every (state, event) pair: exactly the lifecycle's arrows succeed, everything else is
    /// `invalidTransition`, and a refused event never yields a handover.
    @Test func onlyTheLifecycleArrowsExist() {
        let events: [HandoverEvent] = [
            .submit, .returnToTransferor(reason: "why"), .revise, .acknowledge(synthesis: Self.synthesis),
            .complete, .verify(note: nil), .close, .cancel(reason: nil),
        ]
        let arrows: Set<String> = [
            "draft submit", "submitted return", "returned revise", "submitted acknowledge", "acknowledged complete",
            "completed verify", "verified close", "draft cancel", "submitted cancel", "returned cancel", "acknowledged cancel",
        ]
        for state in HandoverState.allCases {
            for event in events {
                // The one actor allowed to try this event, so that only the state decides.
                let actor: Member =
                    switch event {
                    case .submit, .revise: transferor
                    case .returnToTransferor, .acknowledge: recipient
                    case .complete, .verify, .close, .cancel: admin
                    }
                let key = "\(state.rawValue) \(event.name)"
                do {
                    let t = try apply(event, handover(state), by: actor)
                    #expect(arrows.contains(key), "\(key) should be refused")
                    #expect(t.handover.version == 4)
                } catch {
                    #expect(!arrows.contains(key), "\(key) should succeed: \(error)")
                    if case .invalidTransition = error {} else { Issue.record("\(key): expected invalidTransition, got \(error)") }
                }
            }
        }
    }

    @Test func visibilityFollowsTheParties() {
        let h = handover(.draft)
        #expect(Access.canView(h, parties: parties, viewer: transferor))
        #expect(Access.canView(h, parties: parties, viewer: recipient))
        #expect(Access.canView(h, parties: parties, viewer: manager))
        #expect(Access.canView(h, parties: parties, viewer: auditor))
        #expect(!Access.canView(h, parties: parties, viewer: stranger))
        var outsider = admin
        outsider.organizationID = "other"
        #expect(!Access.canView(h, parties: parties, viewer: outsider))
    }
}
