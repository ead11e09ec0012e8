import Foundation
import HandoverCore
import HandoverTestSupport
import Testing

/// Fitting the risk model on an organization's history: which past handovers make examples and
/// with which label, the rules read as of each completion, and the fit with its held-out AUC.
@Suite struct RiskTrainingTests {
    static let now = RiskTests.now
    static let day = RiskTests.day

    static func past(completedDaysAgo: Double, renewalDaysAfterCompletion: Int? = nil, outcomeDaysAfter: [Int] = []) -> RiskTraining.Past {
        let completed = now.addingTimeInterval(-completedDaysAgo * day)
        var profile = AccountProfile()
        if let days = renewalDaysAfterCompletion { profile.renewalDate = CalendarDate(completed.addingTimeInterval(Double(days) * day)) }
        var evidence = RiskTests.evidence(profile)
        evidence.lastActivity = completed
        return RiskTraining.Past(
            completedAt: completed, evidence: evidence, outcomes: outcomeDaysAfter.map { CalendarDate(completed.addingTimeInterval(Double($0) * day)) })
    }

    @Test func aPastHandoverIsAnExampleOnceItsNinetyDaysHavePassed() throws {
        // Completed 120 days ago, churned 40 days after: positive; the renewal was 30 days after
        // completion, so the rule held then, though the day has passed now.
        let churned = try #require(RiskTraining.example(Self.past(completedDaysAgo: 120, renewalDaysAfterCompletion: 30, outcomeDaysAfter: [40]), now: Self.now))
        #expect(churned.label && churned.features[0] == 1)
        // An outcome after the 90 days, or the same day, is not this handover's.
        #expect(RiskTraining.example(Self.past(completedDaysAgo: 200, outcomeDaysAfter: [120, 0]), now: Self.now)?.label == false)
        // An outcome on day 90 is still this handover's.
        #expect(RiskTraining.example(Self.past(completedDaysAgo: 100, outcomeDaysAfter: [90]), now: Self.now)?.label == true)
        // Still inside its 90 days: not an example, with or without an outcome yet (day 90 itself is inside).
        #expect(RiskTraining.example(Self.past(completedDaysAgo: 30), now: Self.now) == nil)
        #expect(RiskTraining.example(Self.past(completedDaysAgo: 30, outcomeDaysAfter: [10]), now: Self.now) == nil)
        #expect(RiskTraining.example(Self.past(completedDaysAgo: 90), now: Self.now) == nil)
        #expect(RiskTraining.example(Self.past(completedDaysAgo: 91), now: Self.now)?.label == false)
    }

    @Test func theFitFindsThePlantedSignalOnItsHeldOutQuarterAndSaysWhenHistoryIsShort() throws {
        var rng = SeededRandom(state: 23)
        let history = RiskTests.history(1_200, rng: &rng)
        let examples = zip(history.samples, history.labels).map { RiskTraining.Example(features: $0, label: $1) }
        let fitted = try #require(RiskTraining.fit(examples, at: Self.now))
        #expect(fitted.examples == 1_200 && fitted.positives == history.labels.filter { $0 }.count)
        let auc = try #require(fitted.heldOutAUC)
        #expect(auc >= 0.8, "held-out AUC \(auc)")
        #expect(fitted.model.weights[0] > 1 && fitted.model.weights[1] > 1)

        // Its reading of an account: the chance, and what each flag that holds adds (only those).
        let flags = [RiskFlag(rule: .renewalSoon, sentence: "r"), RiskFlag(rule: .championGone, sentence: "c")]
        let prediction = RiskPrediction(fitted, flags: flags)
        #expect(Set(prediction.contributions.keys) == ["renewal-soon", "champion-gone"])
        #expect(prediction.contributions["renewal-soon"] == fitted.model.weights[0])
        #expect(abs(prediction.probability - fitted.model.probability([1, 0, 0, 1, 0, 0, 0])) < 1e-12)

        // Too little history, or one label too rare: no model, and a sentence why.
        #expect(RiskTraining.fit(Array(examples.prefix(20)), at: Self.now) == nil)
        #expect(RiskTraining.notEnough(examples: 20, positives: 5)?.contains("there are 20") == true)
        let rare = examples.map { RiskTraining.Example(features: $0.features, label: false) } + [RiskTraining.Example(features: [1, 0, 0, 0, 0, 0, 0], label: true)]
        #expect(RiskTraining.fit(rare, at: Self.now) == nil)
        #expect(RiskTraining.notEnough(examples: rare.count, positives: 1)?.contains("there are 1 and") == true)
    }
}
