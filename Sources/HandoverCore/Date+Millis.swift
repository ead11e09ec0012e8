import Foundation

extension Date {
    /// Milliseconds since 1970, rounded down: how times are stored (the same on both engines)
    /// and how audit entries and signed payloads carry them.
    public var millis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    public init(millis: Int64) {
        self.init(timeIntervalSince1970: Double(millis) / 1000)
    }
}
