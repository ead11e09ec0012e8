import Foundation

extension Date {
    /// Milliseconds since 1970, to the nearest: how times are stored (the same on both engines)
    /// and how audit entries and signed payloads carry them. Nearest, not down: a `Date` made
    /// from milliseconds holds a binary fraction (.123 is .12299…), and rounding it down gave
    /// back one millisecond less, so a time read and written again drifted. (Every "now" is
    /// already whole milliseconds: `currentTime()`.)
    public var millis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    public init(millis: Int64) {
        self.init(timeIntervalSince1970: Double(millis) / 1000)
    }
}
