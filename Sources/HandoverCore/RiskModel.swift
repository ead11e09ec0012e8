import Foundation

/// Logistic regression over the risk rules (`RiskRules.features`): the probability of an
/// escalation or churn within 90 days after a handover, fitted on an organization's own history.
/// Each prediction is explained by its per-feature contributions to the log-odds. Pure and small
/// on purpose: seven features and a few thousand handovers fit in milliseconds by batch gradient
/// descent, and every number can be printed and checked.
public struct RiskModel: Sendable, Hashable, Codable {
    public var weights: [Double]
    public var bias: Double

    public init(weights: [Double], bias: Double) {
        self.weights = weights
        self.bias = bias
    }

    /// Fits by batch gradient descent on the mean log-loss, with an L2 penalty (`ridge`) that keeps
    /// a feature no handover ever had from drifting. Nil without both outcomes among the labels.
    public static func fit(_ samples: [[Double]], labels: [Bool], iterations: Int = 600, learningRate: Double = 1.5, ridge: Double = 0.001) -> RiskModel? {
        guard let width = samples.first?.count, samples.count == labels.count, labels.contains(true), labels.contains(false),
            samples.allSatisfy({ $0.count == width })
        else { return nil }
        var model = RiskModel(weights: Array(repeating: 0, count: width), bias: 0)
        let n = Double(samples.count)
        for _ in 0..<iterations {
            var gradient = Array(repeating: 0.0, count: width)
            var gradientBias = 0.0
            for (x, y) in zip(samples, labels) {
                let error = model.probability(x) - (y ? 1 : 0)
                for i in 0..<width { gradient[i] += error * x[i] }
                gradientBias += error
            }
            for i in 0..<width { model.weights[i] -= learningRate * (gradient[i] / n + ridge * model.weights[i]) }
            model.bias -= learningRate * gradientBias / n
        }
        return model
    }

    public func logOdds(_ x: [Double]) -> Double { bias + zip(weights, x).reduce(0) { $0 + $1.0 * $1.1 } }

    public func probability(_ x: [Double]) -> Double { 1 / (1 + exp(-logOdds(x))) }

    /// How much each feature adds to the log-odds of this prediction (weight × value).
    public func contributions(_ x: [Double]) -> [Double] { zip(weights, x).map { $0 * $1 } }

    /// The area under the ROC curve: the chance that a random positive scores above a random
    /// negative (ties count half). 0.5 is a coin; nil without both outcomes.
    public static func auc(scores: [Double], labels: [Bool]) -> Double? {
        let positives = zip(scores, labels).filter { $0.1 }.map(\.0)
        let negatives = zip(scores, labels).filter { !$0.1 }.map(\.0)
        guard !positives.isEmpty, !negatives.isEmpty else { return nil }
        // Mann–Whitney U by ranks (average ranks for ties): O(n log n).
        let ranked = scores.enumerated().sorted { $0.element < $1.element }
        var ranks = Array(repeating: 0.0, count: scores.count)
        var start = 0
        while start < ranked.count {
            var end = start
            while end + 1 < ranked.count && ranked[end + 1].element == ranked[start].element { end += 1 }
            let rank = Double(start + end) / 2 + 1
            for k in start...end { ranks[ranked[k].offset] = rank }
            start = end + 1
        }
        let positiveRanks = zip(ranks, labels).filter { $0.1 }.reduce(0) { $0 + $1.0 }
        let p = Double(positives.count), q = Double(negatives.count)
        return (positiveRanks - p * (p + 1) / 2) / (p * q)
    }
}
