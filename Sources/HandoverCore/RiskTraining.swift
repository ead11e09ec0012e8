import Foundation

/// Fitting `RiskModel` on an organization's own history. Pure: the caller gathers the history.
///
/// An example is a finished handover whose 90 days have passed: its features are the risk rules
/// as they stood at its completion, and its label is whether an escalation or churn was recorded
/// on the account within the 90 days after. A handover still inside its 90 days is left out even
/// when an outcome came already: counting those early would make only positives early, and
/// tilt the model towards them.
public enum RiskTraining {
    public static let horizonDays = 90
    /// Fewer examples, or fewer of either label, and no model is fitted: the flags stand alone.
    public static let minimumExamples = 30
    public static let minimumOfEachLabel = 5

    /// One past handover, as the rules saw its account at completion.
    public struct Example: Sendable, Hashable {
        public var features: [Double]
        public var label: Bool

        public init(features: [Double], label: Bool) {
            self.features = features
            self.label = label
        }
    }

    /// What the history says about one finished handover's account, as of its completion.
    public struct Past: Sendable {
        public var completedAt: Date
        public var evidence: RiskEvidence
        /// The account's recorded outcomes, any time.
        public var outcomes: [CalendarDate]

        public init(completedAt: Date, evidence: RiskEvidence, outcomes: [CalendarDate]) {
            self.completedAt = completedAt
            self.evidence = evidence
            self.outcomes = outcomes
        }
    }

    /// The example a past handover makes, or nil while its 90 days (days 1 to 90 after the day
    /// it completed) are not all over.
    public static func example(_ past: Past, now: Date) -> Example? {
        let completed = CalendarDate(past.completedAt)
        guard completed.days(until: CalendarDate(now)) > horizonDays else { return nil }
        let within = past.outcomes.contains { (1...horizonDays).contains(completed.days(until: $0)) }
        return Example(features: RiskRules.features(RiskRules.flags(past.evidence, now: past.completedAt)), label: within)
    }

    /// A fitted model and what it rests on.
    public struct Fitted: Sendable, Hashable, Codable {
        public var model: RiskModel
        public var fittedAt: Date
        public var examples: Int
        public var positives: Int
        /// AUC on every fourth example, held out of the fit; nil when the held-out quarter lacks a label.
        public var heldOutAUC: Double?

        public init(model: RiskModel, fittedAt: Date, examples: Int, positives: Int, heldOutAUC: Double?) {
            self.model = model
            self.fittedAt = fittedAt
            self.examples = examples
            self.positives = positives
            self.heldOutAUC = heldOutAUC
        }
    }

    public static let trainingLacksALabel =
        "The three quarters of the history the model is fitted on lack either a handover followed by an escalation or churn, or one not followed by any."

    /// Why no model was fitted, in a sentence for the account page.
    public static func notEnough(examples: Int, positives: Int) -> String? {
        if examples < minimumExamples {
            return "The model needs \(minimumExamples) finished handovers whose 90 days have passed; there are \(examples)."
        }
        if positives < minimumOfEachLabel || examples - positives < minimumOfEachLabel {
            return
                "The model needs at least \(minimumOfEachLabel) handovers followed by an escalation or churn, and \(minimumOfEachLabel) not; there are \(positives) and \(examples - positives)."
        }
        return nil
    }

    /// Fits on three quarters of `examples` (all but every fourth, in the order given), scores the
    /// held-out quarter, and keeps that model. Nil when `notEnough` says why, or when those three
    /// quarters lack one of the labels (`trainingLacksALabel`).
    public static func fit(_ examples: [Example], at now: Date) -> Fitted? {
        let positives = examples.filter(\.label).count
        guard notEnough(examples: examples.count, positives: positives) == nil else { return nil }
        let train = examples.enumerated().filter { $0.offset % 4 != 3 }.map(\.element)
        let test = examples.enumerated().filter { $0.offset % 4 == 3 }.map(\.element)
        guard let model = RiskModel.fit(train.map(\.features), labels: train.map(\.label)) else { return nil }
        let auc = RiskModel.auc(scores: test.map { model.probability($0.features) }, labels: test.map(\.label))
        return Fitted(model: model, fittedAt: now, examples: examples.count, positives: positives, heldOutAUC: auc)
    }
}

/// The model's reading of an account now: the chance of an escalation or churn within 90 days,
/// and what each flag that holds adds to its log-odds.
public struct RiskPrediction: Sendable, Hashable, Codable {
    public var probability: Double
    /// Log-odds added by each rule that holds, by the rule's name.
    public var contributions: [String: Double]
    public var fittedAt: Date
    public var examples: Int
    public var positives: Int
    public var heldOutAUC: Double?

    public init(_ fitted: RiskTraining.Fitted, flags: [RiskFlag]) {
        let x = RiskRules.features(flags)
        probability = fitted.model.probability(x)
        let parts = fitted.model.contributions(x)
        contributions = Dictionary(
            uniqueKeysWithValues: zip(RiskRule.allCases, parts).filter { rule, _ in flags.contains { $0.rule == rule } }.map { ($0.0.rawValue, $0.1) })
        fittedAt = fitted.fittedAt
        examples = fitted.examples
        positives = fitted.positives
        heldOutAUC = fitted.heldOutAUC
    }
}
