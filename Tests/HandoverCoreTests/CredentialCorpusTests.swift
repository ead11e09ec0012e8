import Foundation
import HandoverCore
import Testing

/// The detector against labelled corpora: `Tests/data/credential-corpus.tsv` (written by
/// `Tests/data/make-credential-corpus.py`: fake credentials in the shapes providers document and
/// people write, and more lines that only talk about credentials) and `credential-corpus-2.tsv`
/// (written independently). Prints recall and precision, every miss and every false alarm.
@Suite struct CredentialCorpusTests {
    struct Line {
        var isCredential: Bool
        var kind: String
        var text: String
    }

    static func corpus(_ name: String = "credential-corpus.tsv") throws -> [Line] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data/\(name)")
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }.map { row in
            let columns = row.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            return Line(isCredential: columns[0] == "1", kind: String(columns[1]), text: Self.unescape(columns[2]))
        }
    }

    /// `\n`, `\t` and `\\` back to a newline, a tab and a backslash, in one pass.
    static func unescape(_ text: Substring) -> String {
        var out = "", escaping = false
        for c in text {
            if escaping {
                out.append(c == "n" ? "\n" : c == "t" ? "\t" : c)
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.append(c)
            }
        }
        return out
    }

    struct Score {
        var recall, precision: Double
    }

    /// Recall and precision on one corpus, printed with every miss and false alarm.
    static func score(_ name: String) throws -> Score {
        let lines = try Self.corpus(name)
        let credentials = lines.filter(\.isCredential), talk = lines.filter { !$0.isCredential }
        let missed = credentials.filter { CredentialDetector.firstMatch(in: $0.text) == nil }
        let falseAlarms = talk.filter { CredentialDetector.firstMatch(in: $0.text) != nil }
        let caught = credentials.count - missed.count
        let recall = Double(caught) / Double(credentials.count)
        let precision = Double(caught) / Double(max(1, caught + falseAlarms.count))
        print(
            "\(name): recall \(String(format: "%.1f", recall * 100))% (\(caught)/\(credentials.count)), precision \(String(format: "%.1f", precision * 100))% (\(caught)/\(caught + falseAlarms.count)); \(falseAlarms.count) false alarms in \(talk.count) lines"
        )
        for line in missed { print("  missed (\(line.kind)): \(line.text.debugDescription)") }
        for line in falseAlarms { print("  false alarm (\(CredentialDetector.firstMatch(in: line.text)!.kind)): \(line.text.debugDescription)") }
        return Score(recall: recall, precision: precision)
    }

    @Test func recallAndPrecisionOnTheCorpus() throws {
        let lines = try Self.corpus()
        let credentials = lines.filter(\.isCredential).count, talk = lines.count - credentials
        #expect(credentials >= 300 && talk >= credentials, "the corpus is \(credentials) credentials and \(talk) other lines")
        let score = try Self.score("credential-corpus.tsv")
        #expect(score.recall >= 0.98)
        #expect(score.precision >= 0.95)
    }

    /// A second corpus (252 credentials, 236 other lines), written by someone who saw neither the
    /// detector nor the first corpus. On first contact the detector scored recall 75.0% (189/252),
    /// precision 92.6% (189/204) on it; its misses then taught the rules, so it is no longer held out,
    /// and this guards what was learnt. Its five remaining misses carry no credential word at all
    /// ("FYI the PDF from the bank opens with puffin45").
    @Test func recallAndPrecisionOnTheSecondCorpus() throws {
        let score = try Self.score("credential-corpus-2.tsv")
        #expect(score.recall >= 0.95)
        #expect(score.precision >= 0.95)
    }

    @Test func everyKindInTheCorpusIsCaughtAtLeastOnce() throws {
        let byKind = Dictionary(grouping: try Self.corpus().filter(\.isCredential), by: \.kind)
        for (kind, lines) in byKind.sorted(by: { $0.key < $1.key }) {
            #expect(lines.contains { CredentialDetector.firstMatch(in: $0.text) != nil }, "no \(kind) is caught")
        }
    }
}
