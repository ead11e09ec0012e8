import Foundation
import HandoverCore

/// CSV as the web's exports and the CLI write it: RFC 4180, CRLF line ends.
public enum CSVText {
    /// Quoted when it holds a comma, quote or line break; a leading = + - @, tab or carriage
    /// return is prefixed with ' so a spreadsheet does not run it as a formula.
    public static func field(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public static func row(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\r\n" }

    /// The quality numbers: a row a month, then the period's total; each measure's value (one
    /// decimal, empty for none) and what it counted.
    public static func quality(months: [(month: String, tally: QualityTally)], total: QualityTally) -> String {
        let measures = QualityMeasure.allCases
        var text = row(["month", "handovers_begun"] + measures.flatMap { [$0.rawValue, "\($0.rawValue)_counted"] })
        for (label, tally) in months + [("total", total)] {
            text += row([label, String(tally.begun)] + measures.flatMap { [$0.format($0.value(tally)), String($0.basis(tally))] })
        }
        return text
    }
}
