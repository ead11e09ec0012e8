import Foundation
import HandoverCore
import Testing

@Suite struct TimestampTests {
    /// The calendar arithmetic agrees with Foundation's ISO 8601 format style on whole seconds
    /// across four centuries, the epoch and leap days, and the milliseconds are the stored ones
    /// exactly. (Foundation's style, which the API used before, truncated a binary fraction and
    /// so showed some stored times one millisecond early: .123 as .122.)
    @Test func agreesWithFoundationsCalendarAndKeepsTheMilliseconds() {
        let style = Date.ISO8601FormatStyle().year().month().day().time(includingFractionalSeconds: false)
        var random = SystemRandomNumberGenerator()
        let fixed: [Int64] = [
            0, 1, 999, 1000, 86_399_999, 86_400_000, 951_782_400_000, 951_868_799_999, 1_709_164_800_123,
            4_102_444_799_999, 253_402_300_799_999, -1, -86_400_000, -2_208_988_800_000,
        ]
        for millis in fixed + (0..<20_000).map({ _ in Int64.random(in: -2_208_988_800_000...253_402_300_799_999, using: &random) }) {
            let text = Timestamp.format(millis: millis)
            let seconds = millis >= 0 || millis % 1000 == 0 ? millis / 1000 : millis / 1000 - 1
            let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(style)  // "…T18:43:15Z"
            #expect(text.prefix(19) == whole.prefix(19), "\(millis)")
            #expect(text.hasSuffix(String(format: ".%03dZ", Int(millis - seconds * 1000))), "\(millis)")
            #expect(Timestamp.format(Date(millis: millis)) == text, "\(millis) through Date")
        }
        #expect(Timestamp.format(millis: 1_709_164_800_123) == "2024-02-29T00:00:00.123Z")
    }

    /// What `format` writes, `parse` reads back to the same millisecond, across the same range;
    /// a time without milliseconds is read too, and near misses of the format are not misread.
    @Test func parseReadsBackWhatFormatWrites() {
        var random = SystemRandomNumberGenerator()
        let fixed: [Int64] = [0, 1, 123, 999, 86_399_999, 951_782_400_000, 1_709_164_800_123, 253_402_300_799_999, -1, -2_208_988_800_000]
        for millis in fixed + (0..<5_000).map({ _ in Int64.random(in: -2_208_988_800_000...253_402_300_799_999, using: &random) }) {
            #expect(Timestamp.parse(Timestamp.format(millis: millis))?.millis == millis, "\(millis)")
        }
        #expect(Timestamp.parse("2024-02-29T00:00:00Z")?.millis == 1_709_164_800_000)
        for wrong in [
            "2023-02-29T00:00:00.000Z", "2024-13-01T00:00:00.000Z", "2024-02-29 00:00:00.000Z", "yesterday", "", "2024-02-29T00:00:00+24:00",
            "2024-02-29T00:00:00.Z",
        ] {
            #expect(Timestamp.parse(wrong) == nil, "\(wrong)")
        }
    }

    /// Every RFC 3339 date-time, as a JSON Schema `date-time` allows it: any offset up to ±23:59
    /// (Foundation refuses past ±18:00), lower-case t and z, any number of fraction digits.
    @Test func parseReadsEveryRFC3339Offset() {
        #expect(Timestamp.parse("2026-12-04T22:36:01+22:36")?.millis == Timestamp.parse("2026-12-04T00:00:01Z")?.millis)
        #expect(Timestamp.parse("0059-10-15T05:31:14+22:30").map { Timestamp.format($0) } == "0059-10-14T07:01:14.000Z")
        #expect(Timestamp.parse("2478-07-10T07:44:06.90491-20:55").map { Timestamp.format($0) } == "2478-07-11T04:39:06.904Z")
        #expect(Timestamp.parse("2026-12-04t10:00:00.5z")?.millis == Timestamp.parse("2026-12-04T10:00:00.500Z")?.millis)
        #expect(Timestamp.parse("2016-12-31T23:59:60Z")?.millis == Timestamp.parse("2017-01-01T00:00:00Z")?.millis)
    }
}

@Suite struct HumanDateTests {
    @Test func datesReadAsAPersonWritesThem() {
        let utc = TimeZone(identifier: "UTC")!
        let date = Date(timeIntervalSince1970: 1_796_316_735.605)  // 2026-12-03T16:52:15.605Z
        #expect(HumanDate.format(date, timeZone: utc) == "3 Dec 2026 16:52")
        #expect(HumanDate.day(date, timeZone: utc) == "3 Dec 2026")
        #expect(HumanDate.day(CalendarDate("2027-03-31")!) == "31 Mar 2027")
    }
}
