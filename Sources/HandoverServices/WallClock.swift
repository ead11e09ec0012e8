import Foundation

/// The time, as the services see it: injected so that tests run on a clock they set (and move)
/// instead of sleeping. Times are whole milliseconds, as the database keeps them.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Date

    public init(_ read: @escaping @Sendable () -> Date) {
        self.read = read
    }

    public func now() -> Date {
        Date(timeIntervalSince1970: (read().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    /// The machine's clock.
    public static let system = WallClock { Date() }

    /// Always `date`.
    public static func fixed(_ date: Date) -> WallClock { WallClock { date } }
}

/// New record ids, injected beside the clock (tests may want ids they can predict).
public struct IDMaker: Sendable {
    private let make: @Sendable (Date) -> String

    public init(_ make: @escaping @Sendable (Date) -> String) {
        self.make = make
    }

    public func next(at date: Date) -> String { make(date) }

    /// Time-ordered random ids (`Secrets.newID`).
    public static let random = IDMaker { Secrets.newID(at: $0) }
}
