import Foundation
import HandoverCore
import Testing

/// The detector against a labelled corpus (`Tests/data/credential-corpus.tsv`, written by
/// `Tests/data/make-credential-corpus.py`): fake credentials in the shapes providers document and
/// people write, and as many lines that only talk about credentials. Prints recall and precision.
@Suite struct CredentialCorpusTests {
    struct Line {
        var isCredential: Bool
        var kind: String
        var text: String
    }

    static func corpus() throws -> [Line] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data/credential-corpus.tsv")
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }.map { row in
            let columns = row.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            let text = String(columns[2]).replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\t", with: "\t")
                .replacingOccurrences(of: "\\\\", with: "\\")
            return Line(isCredential: columns[0] == "1", kind: String(columns[1]), text: text)
        }
    }

    @Test func recallAndPrecisionOnTheCorpus() throws {
        let lines = try Self.corpus()
        let credentials = lines.filter(\.isCredential), talk = lines.filter { !$0.isCredential }
        #expect(credentials.count >= 300 && talk.count >= credentials.count, "the corpus is \(credentials.count) credentials and \(talk.count) other lines")
        let missed = credentials.filter { CredentialDetector.firstMatch(in: $0.text) == nil }
        let falseAlarms = talk.filter { CredentialDetector.firstMatch(in: $0.text) != nil }
        let caught = credentials.count - missed.count
        let recall = Double(caught) / Double(credentials.count)
        let precision = Double(caught) / Double(caught + falseAlarms.count)
        print(
            "credential corpus: recall \(String(format: "%.1f", recall * 100))% (\(caught)/\(credentials.count)), precision \(String(format: "%.1f", precision * 100))% (\(caught)/\(caught + falseAlarms.count)); \(falseAlarms.count) false alarms in \(talk.count) lines"
        )
        for line in missed { print("  missed (\(line.kind)): \(line.text.debugDescription)") }
        for line in falseAlarms { print("  false alarm (\(CredentialDetector.firstMatch(in: line.text)!.kind)): \(line.text.debugDescription)") }
        #expect(recall >= 0.98)
        #expect(precision >= 0.95)
    }

    @Test func everyKindInTheCorpusIsCaughtAtLeastOnce() throws {
        let byKind = Dictionary(grouping: try Self.corpus().filter(\.isCredential), by: \.kind)
        for (kind, lines) in byKind.sorted(by: { $0.key < $1.key }) {
            #expect(lines.contains { CredentialDetector.firstMatch(in: $0.text) != nil }, "no \(kind) is caught")
        }
    }
}
