import Foundation
import HandoverCore
import Testing

/// "Seal it instead" offers `CredentialDetector.valueRange` as the value to seal. Measured on both
/// corpora: for each caught line, the range is taken out (as the page does once it is sealed) and
/// the line is scanned again. A line the scanner still refuses means the page suggested the wrong
/// words, or only some of them (the person then edits the suggestion before sealing).
@Suite struct CredentialSpanTests {
    @Test func theSuggestedValueIsWhatTheScannerObjectedTo() throws {
        let lines = try CredentialCorpusTests.corpus() + CredentialCorpusTests.corpus("credential-corpus-2.tsv")
        let caught = lines.filter { $0.isCredential && CredentialDetector.firstMatch(in: $0.text) != nil }
        var cleared = 0
        for line in caught {
            guard let range = CredentialDetector.valueRange(in: line.text) else {
                Issue.record("no value found in \(line.text.debugDescription)")
                continue
            }
            #expect(!line.text[range].isEmpty)
            var sealed = line.text
            sealed.replaceSubrange(range, with: "(sealed as “the value”)")
            if CredentialDetector.firstMatch(in: sealed) == nil {
                cleared += 1
            } else {
                print("  still refused once \(String(line.text[range]).debugDescription) is out: \(line.text.debugDescription)")
            }
        }
        let rate = Double(cleared) / Double(caught.count)
        print("valueRange: taking the suggested value out clears \(String(format: "%.1f", rate * 100))% (\(cleared)/\(caught.count)) of caught lines")
        #expect(rate >= 0.9)
    }

    @Test func redactedCutsTheValueOutAndKeepsTheSentence() {
        let comment = "Great handover. PS my portal password is Tr0ub4dor&3x! if Rita needs it."
        let redacted = CredentialScan.redacted(comment)
        #expect(!redacted.contains("Tr0ub4dor&3x!") && redacted.hasPrefix("Great handover.") && redacted.contains("[removed]"))
        #expect(CredentialDetector.firstMatch(in: redacted) == nil)
        #expect(CredentialScan.redacted("Rita already knew the whole story.") == "Rita already knew the whole story.")
    }

    @Test func punctuationAndQuotesAroundTheValueStayInTheSentence() {
        let text = "For the NAS, the admin password is 'Tr0ub4dor&3x!'. Ask Sam for the rest."
        let range = CredentialDetector.valueRange(in: text)
        #expect(range.map { String(text[$0]) } == "Tr0ub4dor&3x!")
        #expect(CredentialDetector.valueRange(in: "Nothing secret here, only the word password.") == nil)
    }

    @Test func aPrivateKeyIsTakenWhole() {
        let body = String(repeating: "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7", count: 3)
        let text = "Deploy key below:\n-----BEGIN PRIVATE KEY-----\n\(body)\n-----END PRIVATE KEY-----\nThanks."
        let range = CredentialDetector.valueRange(in: text)
        #expect(range.map { String(text[$0]) } == "-----BEGIN PRIVATE KEY-----\n\(body)\n-----END PRIVATE KEY-----")
    }
}
