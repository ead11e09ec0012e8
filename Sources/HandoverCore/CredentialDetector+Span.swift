import Foundation

extension CredentialDetector {
    /// Where the first credential-looking value in `text` probably is, for "Seal it instead": the
    /// page offers what it finds as the value to seal, and the person edits it before sealing.
    ///
    /// The detector's rules say whether text carries a credential, not where (they never return
    /// the match, so that nothing can echo it). The place is found from outside them: the shortest
    /// prefix, ending at a word, on which the detector fires ends with the value, because every rule
    /// fires on the value itself or on a credential word followed by it. That word is the value,
    /// less the punctuation of the sentence around it; a PEM block is taken whole. Whether a longer
    /// prefix fires is not strictly monotone (a rule can look past the value), so the binary search
    /// finds a boundary, not always the first: good enough for a suggestion shown before sealing.
    public static func valueRange(in text: String) -> Range<String.Index>? {
        guard firstMatch(in: text) != nil else { return nil }
        var words: [Range<String.Index>] = []
        var start: String.Index?
        for index in text.indices {
            if text[index].isWhitespace {
                if let begun = start { words.append(begun..<index) }
                start = nil
            } else if start == nil {
                start = index
            }
        }
        if let begun = start { words.append(begun..<text.endIndex) }
        // The smallest n whose first n words fire (the whole text does).
        var low = 1, high = words.count
        while low < high {
            let middle = (low + high) / 2
            if firstMatch(in: String(text[..<words[middle - 1].upperBound])) != nil { high = middle } else { low = middle + 1 }
        }
        guard high >= 1 else { return nil }
        let word = words[high - 1]
        if let block = pemBlock(around: word, in: text) { return block }
        return trimmed(word, in: text)
    }

    /// The PEM block (`-----BEGIN …-----` to `-----END …-----`, or the end of the text) that `word`
    /// is in, if it is in one.
    static func pemBlock(around word: Range<String.Index>, in text: String) -> Range<String.Index>? {
        guard let begin = text.range(of: "-----BEGIN ", options: .backwards, range: text.startIndex..<word.upperBound) else { return nil }
        guard let end = text.range(of: "-----END ", range: begin.upperBound..<text.endIndex) else { return begin.lowerBound..<text.endIndex }
        guard end.upperBound > word.lowerBound else { return nil }
        let close = text.range(of: "-----", range: end.upperBound..<text.endIndex)?.upperBound ?? text.endIndex
        return begin.lowerBound..<close
    }

    /// A word without the sentence's punctuation around it: a full stop, comma or semicolon at its
    /// end, then one pair of quotes or brackets ("is 'hunter2'." → hunter2). "!" and "?" stay:
    /// passwords end with them more often than sentences around a password do.
    static func trimmed(_ word: Range<String.Index>, in text: String) -> Range<String.Index> {
        let opening: Set<Character> = ["\"", "'", "`", "(", "[", "{", "“", "‘", "«"]
        let closing: Set<Character> = ["\"", "'", "`", ")", "]", "}", "”", "’", "»"]
        var lower = word.lowerBound, upper = word.upperBound
        func last() -> Character { text[text.index(before: upper)] }
        while upper > lower, [".", ",", ";"].contains(last()) { upper = text.index(before: upper) }
        if upper > lower, opening.contains(text[lower]) { lower = text.index(after: lower) }
        if upper > lower, closing.contains(last()) { upper = text.index(before: upper) }
        return lower < upper ? lower..<upper : word
    }
}
