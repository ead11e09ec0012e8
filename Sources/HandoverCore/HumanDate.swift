import Foundation

/// Dates as a person reads them: "3 Dec 2026 16:52", "3 Dec 2026". The same words in every
/// locale (the app writes English), in the time zone of the process that formats them: the CLI
/// user's, or the server's for web pages (TZ sets it). JSON keeps RFC 3339.
public enum HumanDate {
    public static func format(_ date: Date, timeZone: TimeZone = .current) -> String {
        formatter("d MMM yyyy HH:mm", timeZone).string(from: date)
    }

    public static func day(_ date: Date, timeZone: TimeZone = .current) -> String {
        formatter("d MMM yyyy", timeZone).string(from: date)
    }

    /// A calendar date has no time zone: it is the day written.
    public static func day(_ date: CalendarDate) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(date.day) \(months[date.month - 1]) \(date.year)"
    }

    private static func formatter(_ format: String, _ timeZone: TimeZone) -> DateFormatter {
        // A new formatter per call: DateFormatter is not Sendable, and the CLI formats a few dates.
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = format
        return formatter
    }
}
