import Foundation

/// The one spelling of a time on the wire and in signed payloads: RFC 3339 in UTC with
/// milliseconds, `2026-12-03T18:43:15.123Z`. Plain arithmetic (days to civil date, after
/// Howard Hinnant's algorithm) rather than a calendar or a format style: every API response
/// spells several times, and Foundation's formatters were a measurable part of a read.
public enum Timestamp {
    public static func format(_ date: Date) -> String { format(millis: date.millis) }

    public static func format(millis: Int64) -> String {
        let (days, msOfDay) = floorDivide(millis, 86_400_000)
        let (year, month, day) = civil(days: days)
        let seconds = Int(msOfDay / 1000), ms = Int(msOfDay % 1000)
        var text = ""
        text.reserveCapacity(24)
        append(year, width: 4, to: &text)
        text += "-"; append(month, width: 2, to: &text)
        text += "-"; append(day, width: 2, to: &text)
        text += "T"; append(seconds / 3600, width: 2, to: &text)
        text += ":"; append(seconds / 60 % 60, width: 2, to: &text)
        text += ":"; append(seconds % 60, width: 2, to: &text)
        text += "."; append(ms, width: 3, to: &text)
        text += "Z"
        return text
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let (q, r) = value.quotientAndRemainder(dividingBy: divisor)
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }

    /// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
    private static func civil(days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0)), Int(month), Int(day))
    }

    private static func append(_ number: Int, width: Int, to text: inout String) {
        let digits = String(number)
        if digits.count < width { text += String(repeating: "0", count: width - digits.count) }
        text += digits
    }
}
