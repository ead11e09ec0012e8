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
        let fixed: [Int64] = [0, 1, 999, 1000, 86_399_999, 86_400_000, 951_782_400_000, 951_868_799_999, 1_709_164_800_123,
                              4_102_444_799_999, 253_402_300_799_999, -1, -86_400_000, -2_208_988_800_000]
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
}
