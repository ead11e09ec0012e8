import Foundation
import HandoverCore
import HandoverTestSupport
import Testing

/// The quality measures, their buckets and reports, and the documentation audit's rules, on
/// handovers built by hand.
@Suite struct InsightTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-11-30
    static let template = ContentFixtures.customerTemplate
    static let hour: TimeInterval = 3600, day: TimeInterval = 86_400

    static func handover(_ state: HandoverState, content: HandoverContent? = nil, begun: Date = now.addingTimeInterval(-40 * day)) -> Handover {
        var h = Handover(
            id: "h1", organizationID: "o", accountID: "a", templateKey: "customer-account", templateVersion: template.version, transferorID: "t",
            recipientID: "r", state: state, content: content ?? ContentFixtures.complete(template), createdAt: begun, updatedAt: begun)
        if state != .draft { h.submittedAt = begun.addingTimeInterval(2 * hour) }
        if [.acknowledged, .completed, .verified, .closed].contains(state) { h.acknowledgedAt = begun.addingTimeInterval(8 * hour) }
        if state.isFinished { h.completedAt = begun.addingTimeInterval(2 * day) }
        return h
    }

    @Test func oneFinishedHandoverTalliesEveryMeasure() {
        var facts = HandoverFacts(handover: Self.handover(.completed))
        facts.returns = 2
        facts.questionsAfterAcknowledgment = 3
        facts.briefingsHeld = 1
        facts.signedRoles = [.transferor, .recipient]
        facts.lastSignedAt = facts.handover.submittedAt!.addingTimeInterval(30 * Self.hour)
        facts.surveys = [.init(satisfaction: 4, repeatedStory: true), .init(satisfaction: nil, repeatedStory: false)]
        let t = QualityMeasures.tally(facts, template: Self.template, now: Self.now)
        #expect(t.begun == 1 && t.submitted == 1 && t.completenessSum == 100)
        #expect(t.returned == 1 && t.returns == 2)
        #expect(t.acknowledged == 1 && t.acknowledgeHours == 6 && t.questionsAfter == 3)
        #expect(t.finished == 1 && t.briefed == 1 && t.withProblems == 0)
        #expect(t.signedOff == 1 && t.signOffHours == 30)
        #expect(t.surveys == 2 && t.repeatedStory == 1 && t.satisfactionCount == 1 && t.satisfactionSum == 4)
        #expect(QualityMeasure.returnRate.value(t) == 100)
        #expect(QualityMeasure.repeatedStory.value(t) == 50)
        #expect(QualityMeasure.satisfaction.value(t) == 4)

        // One sign-off of the two, or none on the content as it stands: not signed off.
        facts.signedRoles = [.transferor]
        #expect(QualityMeasures.tally(facts, template: Self.template, now: Self.now).signedOff == 0)
        // A draft counts as begun and nothing else; nothing to measure is nil, not zero.
        let draft = QualityMeasures.tally(HandoverFacts(handover: Self.handover(.draft)), template: Self.template, now: Self.now)
        #expect(draft.begun == 1 && draft.submitted == 0 && draft.finished == 0)
        #expect(QualityMeasure.timeToAcknowledge.value(draft) == nil && QualityMeasure.completenessAtSubmit.value(draft) == nil)
    }

    @Test func completenessWeighsRequiredFieldsAndOverdueItemsReadTheirDates() {
        #expect(QualityMeasures.completeness(HandoverContent(), template: Self.template) == 0)
        #expect(QualityMeasures.completeness(ContentFixtures.complete(Self.template), template: Self.template) == 100)
        var content = ContentFixtures.complete(Self.template)
        content.sections["openWork"]?["openItems"] = .array([
            .object(["title": .string("Late"), "due": .string("2026-11-01")]),
            .object(["title": .string("Late but done"), "due": .string("2026-11-01"), "status": .string("Done")]),
            .object(["title": .string("Ahead"), "due": .string("2026-12-15")]),
            .object(["title": .string("Undated")]),
        ])
        #expect(QualityMeasures.overdueItems(content, today: CalendarDate(Self.now)) == 1)
        let t = QualityMeasures.tally(HandoverFacts(handover: Self.handover(.acknowledged, content: content)), template: Self.template, now: Self.now)
        #expect(t.overdueItems == 1 && t.withOverdueItems == 1)
        // A cancelled handover's items are nobody's to do.
        #expect(QualityMeasures.tally(HandoverFacts(handover: Self.handover(.cancelled, content: content)), template: Self.template, now: Self.now).overdueItems == 0)
    }

    @Test func problemsCountOnlyWithinThirtyDaysOfCompletion() {
        var facts = HandoverFacts(handover: Self.handover(.completed))
        let completed = facts.handover.completedAt!
        facts.accessLines = [
            .init(status: "declined", decidedAt: completed.addingTimeInterval(Self.day)),  // a problem
            .init(status: "confirmed", decidedAt: completed.addingTimeInterval(Self.day)),  // fine
            .init(status: "confirmed", decidedAt: completed.addingTimeInterval(40 * Self.day)),  // late: a problem
            .init(status: "pending", decidedAt: nil),  // the window is over (completed 38 days ago): a problem
        ]
        facts.exposures = [
            .init(dueAt: completed.addingTimeInterval(7 * Self.day), rotatedAt: completed.addingTimeInterval(3 * Self.day)),  // in time
            .init(dueAt: completed.addingTimeInterval(7 * Self.day), rotatedAt: completed.addingTimeInterval(9 * Self.day)),  // late
            .init(dueAt: completed.addingTimeInterval(7 * Self.day), rotatedAt: nil),  // never
            .init(dueAt: completed.addingTimeInterval(60 * Self.day), rotatedAt: nil),  // due after the window
        ]
        facts.recipientSaidNotEnough = true
        // An escalation on the account 10 days after: an incident; one the same day or 40 days after: not this handover's.
        facts.accountOutcomes = [10, 0, 40].map { CalendarDate(completed.addingTimeInterval(Double($0) * Self.day)) }
        #expect(QualityMeasures.problems(facts, now: Self.now) == 7)
        // Ten days after completion, a pending line is not yet late.
        #expect(QualityMeasures.problems(facts, now: completed.addingTimeInterval(10 * Self.day)) == 6)
        let t = QualityMeasures.tally(facts, template: Self.template, now: Self.now)
        #expect(t.withProblems == 1 && t.problems == 7 && QualityMeasure.problemsWithin30Days.value(t) == 100)
    }

    @Test func bucketsAddUpByMonthTeamAndTemplateAndReportsFillTheirMonths() {
        var accumulator = QualityAccumulator()
        let october = Date(timeIntervalSince1970: 1_791_000_000)  // 2026-10-03
        var one = QualityTally()
        one.begun = 1
        accumulator.add(one, begun: october, templateKey: "customer-account", teamIDs: ["support", "sales"])
        accumulator.add(one, begun: october, templateKey: "project", teamIDs: ["support", "support"])
        accumulator.add(one, begun: Self.now, templateKey: "customer-account", teamIDs: [])
        let buckets = accumulator.buckets
        // Every handover once in the team "", and once in each of its teams.
        #expect(buckets.filter { $0.teamID == "" }.reduce(0) { $0 + $1.tally.begun } == 3)
        #expect(buckets.filter { $0.teamID == "support" }.reduce(0) { $0 + $1.tally.begun } == 2)
        let snapshot = QualitySnapshot(
            computedAt: Self.now, tookMillis: 1, handovers: 3, findings: 0, buckets: buckets, teams: [.init(id: "support", name: "Support")],
            templates: [.init(id: "customer-account", name: "Customer account")])
        let all = QualityReport.build(snapshot, filter: InsightFilter())
        #expect(all.months.count == 12 && all.months.first?.month == "2025-12" && all.months.last?.month == "2026-11")
        #expect(all.total.begun == 3 && all.months.first { $0.month == "2026-10" }?.tally.begun == 2)
        #expect(all.filter.from == "2025-12" && all.filter.to == "2026-11")
        #expect(QualityReport.build(snapshot, filter: InsightFilter(teamID: "support")).total.begun == 2)
        #expect(QualityReport.build(snapshot, filter: InsightFilter(teamID: "support", templateKey: "project")).total.begun == 1)
        #expect(QualityReport.build(snapshot, filter: InsightFilter(from: "2026-11", to: "2026-11")).total.begun == 1)
        // A long period is cut to its last 36 months.
        #expect(QualityReport.build(snapshot, filter: InsightFilter(from: "2000-01", to: "2026-11")).months.count == 36)
    }

    @Test func filtersSayWhatIsWrongWithTheirMonths() {
        #expect(InsightFilter(from: "2026-1").problems.map(\.path) == ["from"])
        #expect(InsightFilter(from: "2026-13", to: "x").problems.map(\.path) == ["from", "to"])
        #expect(InsightFilter(from: "2026-11", to: "2026-10").problems.map(\.path) == ["to"])
        #expect(InsightFilter(from: "2026-10", to: "2026-11").problems.isEmpty)
        let range = InsightFilter(from: "2026-10", to: "2026-11").completionRange
        #expect(range.from.map(Timestamp.format) == "2026-10-01T00:00:00.000Z" && range.until.map(Timestamp.format) == "2026-12-01T00:00:00.000Z")
        #expect(InsightFilter(from: "2026-12", to: "2026-12").completionRange.until.map(Timestamp.format) == "2027-01-01T00:00:00.000Z")
    }

    @Test func theAuditFindsMissingSignoffsUntickedStepsSkippedBriefingsAndFreeText() throws {
        var content = ContentFixtures.complete(Self.template)
        content.sections["contacts"]?["warmIntroduction"] = .array([.object(["item": .string("Tell the customer about the change and why"), "done": .bool(true)])])
        content.sections["openWork"]?["openItems"] = .array([
            .object(["title": .string("Renewal prep")]), .object(["title": .string("- call Jo\n- send the deck\n- book the QBR")]),
        ])
        var facts = HandoverFacts(handover: Self.handover(.completed, content: content))
        facts.signedRoles = [.transferor]
        facts.briefingsPlanned = 1
        let found = DocumentationAudit.findings(facts, template: Self.template)
        #expect(found.map(\.rule) == [.missingSignoffs, .freeText, .checklistUnticked, .briefingSkipped])
        #expect(found[0].detail.contains("the recipient did not sign"))
        #expect(found[1].path == "openWork.openItems[1]")
        #expect(found[2].path == "contacts.warmIntroduction" && found[2].detail.contains("steps not ticked"))
        #expect(found[3].detail == "1 briefing was planned, and none was held.")
        #expect(found.allSatisfy { $0.completedAt == facts.handover.completedAt && $0.handoverID == "h1" })

        // Signed by both, every step ticked, no briefing planned or asked for: nothing to find.
        var clean = HandoverFacts(handover: Self.handover(.closed))
        clean.signedRoles = [.transferor, .recipient]
        #expect(DocumentationAudit.findings(clean, template: Self.template).isEmpty)
        // Nothing is audited before the handover finished.
        #expect(DocumentationAudit.findings(HandoverFacts(handover: Self.handover(.acknowledged, content: content)), template: Self.template).isEmpty)
        #expect(DocumentationAudit.isFreeText("a; b; c") && !DocumentationAudit.isFreeText("Renew; then expand") && !DocumentationAudit.isFreeText("Q3-review"))
    }
}
