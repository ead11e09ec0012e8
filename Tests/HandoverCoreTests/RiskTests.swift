import Foundation
import HandoverCore
import HandoverTestSupport
import Testing

/// The risk rules, each made to hold and not to, and the model: fitted on synthetic history with
/// a planted signal it must find on held-out handovers (AUC >= 0.8), and must not find once the
/// labels are shuffled (about 0.5).
@Suite struct RiskTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-11-30
    static let day: TimeInterval = 86_400

    static func evidence(_ profile: AccountProfile = AccountProfile(), imported: [ImportedRecord] = [], starts: [Date] = [], exposures: Int = 0, quietDays: Double = 1)
        -> RiskEvidence
    {
        let account = Account(id: "a1", organizationID: "o", name: "Northwind", kind: .customer, ownerID: "ann", profile: profile, createdAt: now, updatedAt: now)
        return RiskEvidence(
            account: account, imported: imported, handoverStarts: starts, unrotatedExposures: exposures, lastActivity: now.addingTimeInterval(-quietDays * day))
    }

    static func ticket(_ id: String, status: String, priority: String) -> ImportedRecord {
        ImportedRecord(
            source: "zendesk.ticket", kind: .ticket, externalID: id, accountID: "a1", name: "Ticket \(id)", status: status, priority: priority,
            provenance: .init(importID: "i", file: "t.csv", row: 2, importedAt: now))
    }

    static func rules(_ evidence: RiskEvidence) -> [RiskRule] { RiskRules.flags(evidence, now: now).map(\.rule) }

    @Test func aQuietHealthyAccountHasNoFlags() {
        #expect(RiskRules.flags(Self.evidence(AccountProfile(renewalDate: CalendarDate("2027-12-01"))), now: Self.now).isEmpty)
    }

    @Test func eachRuleHoldsOnItsOwnEvidenceAndSaysWhyInOneSentence() {
        #expect(Self.rules(Self.evidence(AccountProfile(renewalDate: CalendarDate("2027-01-15")))) == [.renewalSoon])
        #expect(Self.rules(Self.evidence(AccountProfile(renewalDate: CalendarDate("2027-03-15")))) == [])  // 105 days
        #expect(Self.rules(Self.evidence(AccountProfile(renewalDate: CalendarDate("2026-11-01")))) == [])  // past
        #expect(Self.rules(Self.evidence(imported: [Self.ticket("1", status: "open", priority: "urgent")])) == [.urgentTickets])
        #expect(Self.rules(Self.evidence(imported: [Self.ticket("1", status: "solved", priority: "urgent"), Self.ticket("2", status: "open", priority: "low")])) == [])
        let unhappy = HistoryNote(date: CalendarDate("2026-11-20")!, text: "Customer is frustrated with the outage and mentioned a competitor")
        let old = HistoryNote(date: CalendarDate("2026-05-01")!, text: "Angry about the invoice")
        let glad = HistoryNote(date: CalendarDate("2026-11-21")!, text: "Pleased with the fix, thanks the team")
        #expect(Self.rules(Self.evidence(AccountProfile(historyNotes: [unhappy, glad]))) == [.negativeSentiment])
        #expect(Self.rules(Self.evidence(AccountProfile(historyNotes: [old, glad]))) == [])
        let gone = Contact(name: "Jo Park", role: "Champion, Head of IT", notes: "Left the company in October")
        #expect(Self.rules(Self.evidence(AccountProfile(contacts: [gone]))) == [.championGone])
        #expect(Self.rules(Self.evidence(AccountProfile(contacts: [Contact(name: "Jo Park", role: "Champion")]))) == [])
        let starts = [Self.now.addingTimeInterval(-30 * Self.day), Self.now.addingTimeInterval(-200 * Self.day)]
        #expect(Self.rules(Self.evidence(starts: starts)) == [.frequentHandovers])
        #expect(Self.rules(Self.evidence(starts: [starts[0], Self.now.addingTimeInterval(-400 * Self.day)])) == [])
        #expect(Self.rules(Self.evidence(exposures: 2)) == [.unrotatedCredentials])
        #expect(Self.rules(Self.evidence(quietDays: 61)) == [.noActivity])
        #expect(Self.rules(Self.evidence(quietDays: 59)) == [])

        let all = RiskRules.flags(
            Self.evidence(
                AccountProfile(contacts: [gone], historyNotes: [unhappy], renewalDate: CalendarDate("2027-01-15")),
                imported: [Self.ticket("1", status: "open", priority: "urgent")], starts: starts, exposures: 1, quietDays: 70),
            now: Self.now)
        #expect(all.map(\.rule) == RiskRule.allCases)
        #expect(RiskRules.features(all) == Array(repeating: 1, count: RiskRule.allCases.count))
        #expect(all.allSatisfy { $0.sentence.hasSuffix(".") && $0.sentence.filter { $0 == "." }.count <= 2 })
        #expect(all[0].sentence.hasPrefix("The contract renews in 46 days (2027-01-15)"))
        #expect(all[1].sentence.hasPrefix("1 high-severity ticket is open (\"Ticket 1\")"))
        #expect(all[5].sentence.hasPrefix("1 credential exposure has not been rotated"))
    }

    /// Handovers with each rule holding at random; the outcome planted on three of them: a
    /// renewal soon, urgent tickets and unrotated credentials raise the odds, the rest do nothing.
    static func history(_ count: Int, rng: inout SeededRandom) -> (samples: [[Double]], labels: [Bool]) {
        var samples: [[Double]] = [], labels: [Bool] = []
        for _ in 0..<count {
            let x: [Double] = RiskRule.allCases.map { _ in Double.random(in: 0..<1, using: &rng) < 0.3 ? 1 : 0 }
            let logOdds = -2.5 + 2.5 * x[0] + 2.0 * x[1] + 1.5 * x[5]
            samples.append(x)
            labels.append(Double.random(in: 0..<1, using: &rng) < 1 / (1 + exp(-logOdds)))
        }
        return (samples, labels)
    }

    @Test func theModelFindsAPlantedSignalOnHeldOutHandoversAndNothingInShuffledLabels() throws {
        var rng = SeededRandom(state: 17)
        let train = Self.history(2_000, rng: &rng)
        let test = Self.history(1_000, rng: &rng)
        let model = try #require(RiskModel.fit(train.samples, labels: train.labels))
        let auc = try #require(RiskModel.auc(scores: test.samples.map(model.probability), labels: test.labels))
        #expect(auc >= 0.8, "held-out AUC \(auc)")
        // The planted features weigh most, and explain a prediction by their contributions.
        let planted = [0, 1, 5].map { model.weights[$0] }
        let others = [2, 3, 4, 6].map { abs(model.weights[$0]) }
        #expect(planted.allSatisfy { $0 > 1 } && others.allSatisfy { $0 < 0.5 }, "weights \(model.weights)")
        let x: [Double] = [1, 0, 1, 0, 0, 1, 0]
        #expect(abs(model.contributions(x).reduce(model.bias, +) - model.logOdds(x)) < 1e-9)

        // The same history with its outcomes shuffled: nothing to find.
        var shuffled = train.labels
        shuffled.shuffle(using: &rng)
        let chance = try #require(RiskModel.fit(train.samples, labels: shuffled))
        var testShuffled = test.labels
        testShuffled.shuffle(using: &rng)
        let coin = try #require(RiskModel.auc(scores: test.samples.map(chance.probability), labels: testShuffled))
        #expect(abs(coin - 0.5) < 0.07, "shuffled AUC \(coin)")
        print("risk model on synthetic history: held-out AUC \(auc), shuffled-label AUC \(coin), weights \(model.weights.map { ($0 * 100).rounded() / 100 })")
    }

    @Test func aucCountsTiesHalfAndNeedsBothOutcomes() {
        #expect(RiskModel.auc(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true]) == 0.75)
        #expect(RiskModel.auc(scores: [0.5, 0.5], labels: [false, true]) == 0.5)
        #expect(RiskModel.auc(scores: [0.2, 0.9], labels: [true, true]) == nil)
        #expect(RiskModel.fit([[1], [0]], labels: [true, true]) == nil)
    }
}
