import Foundation
import HandoverCore

/// `GET /api/v1/accounts/{id}/answers?q=…`: the passages of the account's record that answer
/// the question, best first, each with a link to its source, and where to ask if they do not.
public struct AnswerResponse: Codable, Sendable, Hashable {
    public struct Citation: Codable, Sendable, Hashable {
        public var kind: PassageKind
        public var key: String
        public var handoverID: String?
        public var title: String
        public var text: String
        /// The web page it comes from, relative to the server's root.
        public var link: String
        /// The engine's relevance: higher is better, comparable only within one answer.
        public var score: Double

        public init(kind: PassageKind, key: String, handoverID: String?, title: String, text: String, link: String, score: Double) {
            self.kind = kind
            self.key = key
            self.handoverID = handoverID
            self.title = title
            self.text = text
            self.link = link
            self.score = score
        }
    }

    /// Where the question can go when the passages do not answer it: the thread of
    /// `handoverID`, whose transferor is the previous owner.
    public struct Ask: Codable, Sendable, Hashable {
        public var handoverID: String
        public var previousOwnerID: String
        public var previousOwnerName: String

        public init(handoverID: String, previousOwnerID: String, previousOwnerName: String) {
            self.handoverID = handoverID
            self.previousOwnerID = previousOwnerID
            self.previousOwnerName = previousOwnerName
        }
    }

    public var question: String
    public var passages: [Citation]
    public var ask: Ask?

    public init(question: String, passages: [Citation], ask: Ask?) {
        self.question = question
        self.passages = passages
        self.ask = ask
    }
}
