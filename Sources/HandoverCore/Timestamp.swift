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

    /// Reads a time as `format` writes it, to the millisecond exactly (a Foundation parse of
    /// ".123" can land a hair below and read back as .122). Also takes the other ISO 8601 spellings
    /// Foundation reads (no fraction, say), as another writer of the API's JSON might send them; signed
    /// payloads, which need one spelling, check theirs strictly (`RFC3339.parse` in HandoverTrust).
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        // Any RFC 3339 date-time (every offset to ±23:59, which Foundation refuses past ±18:00).
        if let millis = rfc3339Millis(bytes) { return Date(millis: millis) }
        // The format's own shape is judged by its rules alone: Foundation would read Feb 30 as Mar 2.
        if bytes.count == 24 && bytes[19] == UInt8(ascii: ".") && bytes[23] == UInt8(ascii: "Z") { return nil }
        if let date = try? Date(text, strategy: withFraction) { return date }
        return try? Date(text, strategy: .iso8601)
    }

    /// RFC 3339's `date-time` (section 5.6): `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, T and Z
    /// in either case, a leap second read as the next one; the fraction kept to milliseconds.
    private static func rfc3339Millis(_ bytes: [UInt8]) -> Int64? {
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] | 0x20 == UInt8(ascii: "t"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":")
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
            second <= 60
        else { return nil }
        var index = 19
        var ms: Int64 = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                if index - start < 3 { ms = ms * 10 + Int64(bytes[index] - UInt8(ascii: "0")) }
                index += 1
            }
            guard index > start else { return nil }
            for _ in min(index - start, 3)..<3 { ms *= 10 }
        }
        guard index < bytes.count else { return nil }
        var offset: Int64 = 0
        if bytes[index] | 0x20 == UInt8(ascii: "z") {
            guard index + 1 == bytes.count else { return nil }
        } else {
            guard bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"), index + 6 == bytes.count,
                bytes[index + 3] == UInt8(ascii: ":"), let offsetHours = number(index + 1..<index + 3), let offsetMinutes = number(index + 4..<index + 6),
                offsetHours < 24, offsetMinutes < 60
            else { return nil }
            offset = (offsetHours * 60 + offsetMinutes) * 60_000 * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        guard civil(days: days) == (Int(year), Int(month), Int(day)) else { return nil }
        return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms - offset
    }

    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// (year, month, day) to days since 1970-01-01: the inverse of `civil(days:)`.
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
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
