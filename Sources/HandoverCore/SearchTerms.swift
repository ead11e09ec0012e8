import Foundation

/// A question as the full-text engines are asked it: its content words, lowercased, without the
/// little words that every passage has. Each engine gets them in its own syntax from here, so
/// nothing a user types reaches a query language: a term is letters and digits only.
public struct SearchTerms: Sendable, Hashable {
    public let words: [String]

    /// Longest question accepted, in characters.
    public static let maxQuestionLength = 500
    /// Terms beyond this many are dropped: a longer question is a paragraph, not a question.
    public static let maxTerms = 16

    /// Nil when the question has no word worth searching for ("what is it?").
    public init?(question: String) {
        var seen = Set<String>()
        var words: [String] = []
        let lowered = question.lowercased()
        for token in lowered.split(whereSeparator: { !($0.isLetter || $0.isNumber) }) {
            let word = String(token)
            guard word.count >= 2 || word.first?.isNumber == true, !Self.stopWords.contains(word), seen.insert(word).inserted else { continue }
            words.append(word)
            if words.count == Self.maxTerms { break }
        }
        guard !words.isEmpty else { return nil }
        self.words = words
    }

    /// SQLite FTS5: any of the words, within one account's passages (`scope` holds the account's token).
    public func fts5Match(scope: String) -> String {
        "scope:\"\(scope)\" AND (" + words.map { "\"\($0)\"" }.joined(separator: " OR ") + ")"
    }

    /// SQLite FTS5: the account's passages with `word` (one of `words`) in `column`.
    public static func fts5Match(scope: String, word: String, column: PassageColumn) -> String {
        "scope:\"\(scope)\" AND {\(column.rawValue)}:\"\(word)\""
    }

    /// How many words a text has, as the search counts them: a passage's length for BM25.
    public static func length(of text: String) -> Int {
        text.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).count
    }

    /// The token that stands for an account in the FTS5 `scope` column: letters and digits
    /// only, whatever its id holds, so the tokenizer keeps it whole.
    public static func scopeToken(accountID: String) -> String {
        "a" + accountID.utf8.map { String(format: "%02x", $0) }.joined()
    }

    /// Words so common in questions and records that they say nothing about where the answer is.
    /// PostgreSQL's English configuration drops its own list too; this one is applied first so
    /// both engines search for the same words.
    static let stopWords: Set<String> = [
        "a", "about", "after", "again", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been", "before", "being", "both", "but",
        "by", "can", "could", "did", "do", "does", "doing", "during", "each", "for", "from", "had", "has", "have", "having", "he", "her",
        "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "know", "me", "more", "most",
        "my", "no", "nor", "not", "now", "of", "on", "once", "only", "or", "other", "our", "ours", "out", "over", "own", "same", "she",
        "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "then", "there", "these", "they", "this",
        "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while",
        "who", "whom", "whose", "why", "will", "with", "would", "you", "your", "yours", "tell", "need", "anything", "don", "get", "got",
        "also", "let", "us", "please",
    ]
}

/// The two searched columns of a passage.
public enum PassageColumn: String, Sendable, CaseIterable {
    case title, body
}

/// Okapi BM25, as both engines rank passages (FTS5's own `bm25()` is not used: it counts each
/// word's documents across the whole table on every query, which at a million passages costs
/// tens of milliseconds, and an account's answers should weigh words by that account's record).
/// A word in the title counts `titleWeight` times one in the body.
public enum BM25 {
    public static let k1 = 1.2
    public static let b = 0.75
    public static let titleWeight = 3.0

    /// How rare a word is among `documents` passages when `containing` of them hold it.
    public static func idf(documents: Double, containing: Double) -> Double {
        log(1 + (documents - containing + 0.5) / (containing + 0.5))
    }

    /// One word's part of a passage's score.
    public static func part(idf: Double, frequency: Double, length: Double, averageLength: Double) -> Double {
        idf * frequency * (k1 + 1) / (frequency + k1 * (1 - b + b * length / max(averageLength, 1)))
    }
}
