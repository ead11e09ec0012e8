import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust
import Crypto

/// Seeds a demo organization: members of every role, accounts of several kinds, and handovers
/// in several states, all made through the same services and lifecycle as real use.
public enum DemoData {
    public struct Login: Sendable {
        public var email: String
        public var name: String
        public var role: Role
        public var password: String
    }

    /// Demo passwords are fixed so that the printed logins keep working across restarts.
    /// Never use `--demo` on a server reachable by others.
    public static let password = "handover-demo"

    public static let people: [(email: String, name: String, role: Role)] = [
        ("ada@demo.handover.dev", "Ada Admin", .admin),
        ("maya@demo.handover.dev", "Maya Manager", .manager),
        ("tom@demo.handover.dev", "Tom Transferor", .member),
        ("rita@demo.handover.dev", "Rita Recipient", .member),
        ("aldo@demo.handover.dev", "Aldo Auditor", .auditor),
    ]

    /// Seeds the demo organization unless it exists; returns the logins either way.
    @discardableResult
    public static func seed(store: any HandoverStore, passwords: Passwords = Passwords(), clock: WallClock = .system) async throws -> [Login] {
        let logins = people.map { Login(email: $0.email, name: $0.name, role: $0.role, password: password) }
        if try await !store.loginCandidates(email: people[0].email).isEmpty { return logins }

        let admin = MemberService(store: store, passwords: passwords, clock: clock)
        let service = HandoverService(store: store, clock: clock)
        let (_, ada) = try await admin.createOrganization(name: "Northwind (demo)", adminEmail: people[0].email, adminName: people[0].name, password: password)
        let maya = try await admin.createMember(
            organizationID: ada.organizationID, email: people[1].email, name: people[1].name, role: .manager, managerID: nil, password: password, by: .operator)
        let tom = try await admin.createMember(
            organizationID: ada.organizationID, email: people[2].email, name: people[2].name, role: .member, managerID: maya.id, password: password, by: .operator)
        let rita = try await admin.createMember(
            organizationID: ada.organizationID, email: people[3].email, name: people[3].name, role: .member, managerID: maya.id, password: password, by: .operator)
        _ = try await admin.createMember(
            organizationID: ada.organizationID, email: people[4].email, name: people[4].name, role: .auditor, managerID: nil, password: password, by: .operator)

        func date(_ days: Int) -> String { CalendarDate(clock.now().addingTimeInterval(Double(days) * 86_400)).description }

        // A customer account mid-handover, with lint findings left to fix.
        let acme = try await service.accounts.createAccount(
            name: "Acme Logistics", kind: .customer, ownerID: tom.id,
            profile: AccountProfile(
                overview: "Regional freight forwarder, 40 seats on our platform since 2022.",
                contacts: [Contact(name: "Priya Shah", role: "Head of Operations", email: "priya@acme.example", preference: "Email; calls only for outages")],
                openItems: [OpenItem(title: "Quarterly business review", owner: "Tom", due: CalendarDate(date(21)))],
                renewalDate: CalendarDate(date(75)), tags: ["enterprise", "emea"]), by: tom)
        _ = try await service.begin(
            accountID: acme.id, recipientID: rita.id, templateKey: "customer-account", templateVersion: nil,
            content: HandoverContent([
                "overview": ["summary": .string("Acme moves freight across the Benelux; we run their dispatch planning.")],
                "renewal": ["renewalDate": .string(date(75))],
            ]), by: tom)

        // A customer handover that is complete and waiting for the recipient.
        let globex = try await service.accounts.createAccount(
            name: "Globex Retail", kind: .customer, ownerID: tom.id,
            profile: AccountProfile(
                overview: "Chain of 120 stores; uses our scheduling and payroll modules.", renewalDate: CalendarDate(date(120)), tags: ["retail"]), by: tom)
        let submitted = try await service.begin(
            accountID: globex.id, recipientID: rita.id, templateKey: "customer-account", templateVersion: nil,
            content: completeCustomerContent(renewal: date(120), due: date(14)), by: tom)
        _ = try await service.transition(id: submitted.id, event: .submit, expectedVersion: nil, by: tom)

        // A project handed over and completed: its owner has changed.
        let relaunch = try await service.accounts.createAccount(
            name: "Website relaunch", kind: .project, ownerID: tom.id,
            profile: AccountProfile(overview: "New public website, launch planned next quarter."), by: tom)
        let done = try await service.begin(
            accountID: relaunch.id, recipientID: rita.id, templateKey: "project", templateVersion: nil,
            content: try filledContent(templateKey: "project", due: date(30)), by: tom)
        _ = try await service.transition(id: done.id, event: .submit, expectedVersion: nil, by: tom)
        _ = try await service.transition(
            id: done.id, event: .acknowledge(synthesis: "I own the relaunch now: two deliverables left, launch date fixed, the client wants weekly written updates."),
            expectedVersion: nil, by: rita)
        try await signOff(done.id, by: tom, service: service)
        try await signOff(done.id, by: rita, service: service)
        _ = try await service.transition(id: done.id, event: .complete, expectedVersion: nil, by: rita)

        // A customer ready to be handed over: try the editor on this one.
        let initech = try await service.accounts.createAccount(
            name: "Initech Software", kind: .customer, ownerID: tom.id,
            profile: AccountProfile(
                overview: "Software vendor, 15 seats; renewed last year after a pricing discussion.",
                contacts: [Contact(name: "Bill Lumbergh", role: "VP Operations", email: "bill@initech.example", preference: "Email, weekly digest")],
                renewalDate: CalendarDate(date(200)), tags: ["smb", "emea"]), by: tom)

        // Accounts of other kinds, not yet handed over.
        _ = try await service.accounts.createAccount(
            name: "Payroll system admin account", kind: .system, ownerID: rita.id,
            profile: AccountProfile(overview: "Administrator access to the payroll system; quarterly access review."), by: rita)
        let onCall = try await service.accounts.createAccount(
            name: "On-call: payments API", kind: .service, ownerID: rita.id,
            profile: AccountProfile(overview: "Primary on-call for the payments API, Mon-Fri."), by: rita)
        // Its weekday rota, Rita then Tom, each change drafting the handover (Docs/Shifts.md). It
        // starts in two days, so no change drafts anything while a demo (or a test run) is young.
        _ = try await ShiftService(store: store, handovers: service, clock: clock, ids: .random, mail: MailSettings()).create(
            ShiftScheduleRequest(
                name: "Payments on-call", accountID: onCall.id, rotation: [rita.id, tom.id], rule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", startsOn: date(2),
                startTime: "09:00", duration: "PT8H", timeZone: "Europe/London", ackMinutes: 30), by: maya)
        _ = try await service.accounts.createAccount(
            name: "Ward 4, bed 12", kind: .patient, ownerID: tom.id,
            profile: AccountProfile(overview: "Post-operative, day 2."), by: tom)

        // A pipeline of customer stages with accounts on its board, one of them overdue.
        let umbrella = try await service.accounts.createAccount(
            name: "Umbrella Clinics", kind: .customer, ownerID: rita.id,
            profile: AccountProfile(
                overview: "Group of 9 clinics evaluating the scheduling module.",
                openItems: [OpenItem(title: "Send the pilot proposal", owner: "Rita", due: CalendarDate(date(-3)))], tags: ["enterprise", "health"]), by: rita)
        let pipelines = PipelineService(store: store, handovers: service, clock: clock, ids: .random)
        let journey = try await pipelines.create(
            name: "Customer journey",
            stages: [
                .init(name: "Sales", templateKey: "customer-account"),
                .init(name: "Onboarding", templateKey: "customer-account", defaultOwnerID: tom.id, team: "Onboarding team"),
                .init(name: "Customer success", templateKey: "customer-account", defaultOwnerID: rita.id),
            ], by: ada)
        for (account, stage) in [(acme, 0), (globex, 0), (umbrella, 0), (initech, 2)] {
            _ = try await pipelines.place(accountID: account.id, pipelineID: journey.id, stageID: journey.stages[stage].id, by: maya)
        }
        return logins
    }

    /// Signs off `handoverID` as `member` with a key made for this one signature: enrolled, used,
    /// and its private half dropped. Demo data only: real members keep their keys ('handover key new').
    public static func signOff(_ handoverID: String, by member: Member, service: HandoverService) async throws {
        let key = Curve25519.Signing.PrivateKey()
        let enrolment = EnrolmentPayload(
            member: member.id, organization: member.organizationID,
            publicKey: key.publicKey.rawRepresentation.base64EncodedString(), time: RFC3339.format(service.clock.now()))
        _ = try await service.enrolKey(try DSSEEnvelope.sign(payload: try enrolment.canonicalBytes(), type: EnrolmentPayload.type, key: key), origin: "cli", by: member)
        let (handover, _) = try await service.handover(id: handoverID, by: member)
        let payload = try SignoffPayload(signing: handover, signer: member.id, role: SignoffRules.role(of: member, in: handover), at: service.clock.now())
        _ = try await service.signoff(
            id: handoverID, envelope: try DSSEEnvelope.sign(payload: try payload.canonicalBytes(), type: SignoffPayload.type, key: key),
            authentication: "demo data, signed at seeding", by: member)
    }

    /// A customer-account handover with every required field filled and no findings.
    public static func completeCustomerContent(renewal: String, due: String) -> HandoverContent {
        let checklist = TemplateLibrary.builtIn(key: "customer-account")?.sections.flatMap(\.fields).first { $0.type == .checklist }?.options ?? []
        return HandoverContent([
            "overview": ["summary": .string("Globex runs 120 stores; they use scheduling and payroll. Success for them is fewer payroll corrections.")],
            "usage": ["products": .string("Scheduling (all stores), payroll (pilot in 12 stores).")],
            "renewal": ["renewalDate": .string(renewal), "contractTerms": .string("Three-year agreement, annual price review in March.")],
            "openWork": ["openItems": .array([.object(["title": .string("Payroll rollout to 30 more stores"), "owner": .string("Rita"), "due": .string(due)])])],
            "contacts": [
                "keyContacts": .array([.object(["name": .string("Jon Park"), "role": .string("CFO"), "preference": .string("Short emails; no calls before 10am")])]),
                "warmIntroduction": .array(checklist.map { .object(["item": .string($0), "done": .bool(true)]) }),
            ],
            "risks": ["worries": .string("They fear payroll errors at month end after last spring's incident."), "sentiment": .string("Cautiously positive")],
        ])
    }

    /// Fills every field of a built-in template with plausible demo content, without findings.
    public static func filledContent(templateKey: String, due: String) throws -> HandoverContent {
        guard let template = TemplateLibrary.builtIn(key: templateKey) else { throw StoreError.notFound("template \(templateKey)") }
        var content = HandoverContent()
        for section in template.sections {
            for field in section.fields {
                let value: JSONValue
                switch field.type {
                case .text: value = .string("\(field.label): see notes")
                case .markdown: value = .string("\(field.label): written for the demo, as the transferor would.")
                case .date: value = .string(due)
                case .contacts: value = .array([.object(["name": .string("Sam Lee"), "role": .string("Client lead"), "preference": .string("Email")])])
                case .items: value = .array([.object(["title": .string("\(field.label) follow-up"), "owner": .string("Rita"), "due": .string(due)])])
                case .checklist: value = .array((field.options ?? []).map { .object(["item": .string($0), "done": .bool(true)]) })
                case .decisions: value = .array([.object(["decision": .string("Weekly written updates"), "rationale": .string("The client asked for a paper trail")])])
                }
                content[section.id, field.id] = value
            }
        }
        return content
    }
}
