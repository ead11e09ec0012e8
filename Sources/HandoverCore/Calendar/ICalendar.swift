import Foundation

/// An RFC 5545 calendar object as Handover writes it: one VCALENDAR with events, nothing else
/// (no VTIMEZONE: every time is UTC, written with "Z", which every client reads). Pure: `text()`
/// is the exact bytes a client receives, so tests read it line by line.
public struct ICalendar: Sendable, Equatable {
    /// The iTIP method (RFC 5546): REQUEST for an invitation or an update, CANCEL for a
    /// cancellation; none for a subscribed feed.
    public enum Method: String, Sendable, Equatable {
        case request = "REQUEST"
        case cancel = "CANCEL"
        case publish = "PUBLISH"
    }

    public static let productID = "-//Handover//Briefings//EN"

    public var method: Method?
    /// The calendar's display name (X-WR-CALNAME), for a feed.
    public var name: String?
    public var events: [ICalendarEvent]

    public init(method: Method?, name: String? = nil, events: [ICalendarEvent]) {
        self.method = method
        self.name = name
        self.events = events
    }

    /// The calendar as CRLF lines folded at 75 octets.
    public func text() -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:\(Self.productID)", "CALSCALE:GREGORIAN"]
        if let method { lines.append("METHOD:\(method.rawValue)") }
        if let name { lines.append("X-WR-CALNAME:\(Self.escape(name))") }
        for event in events { lines += event.lines() }
        lines.append("END:VCALENDAR")
        return lines.map(Self.fold).joined()
    }

    /// TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon and comma get a backslash, a
    /// line break (CRLF, LF or CR) becomes `\n`; other control characters but tab are dropped,
    /// since no escape exists for them.
    public static func escape(_ text: String) -> String {
        var out = ""
        var previousCR = false
        for scalar in text.unicodeScalars {
            defer { previousCR = scalar == "\r" }
            switch scalar {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\r": out += "\\n"
            case "\n": if !previousCR { out += "\\n" }
            case "\t": out.unicodeScalars.append(scalar)
            default:
                if scalar.properties.generalCategory == .control { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A parameter value (RFC 5545 3.2): quoted when it holds `:`, `;` or `,`. A double quote
    /// cannot appear in one at all, so it becomes an apostrophe; control characters are dropped.
    public static func parameter(_ value: String) -> String {
        var clean = ""
        for scalar in value.unicodeScalars {
            if scalar == "\"" { clean += "'" } else if scalar.properties.generalCategory != .control { clean.unicodeScalars.append(scalar) }
        }
        return clean.contains(where: { $0 == ":" || $0 == ";" || $0 == "," }) ? "\"\(clean)\"" : clean
    }

    /// One content line, folded (RFC 5545 3.1): at most 75 octets a line, continuation lines
    /// start with a space (which counts), and a UTF-8 character is never split between lines.
    public static func fold(_ line: String) -> String {
        var out = ""
        var width = 0
        let limit = 75
        for character in line.unicodeScalars {
            let size = String(character).utf8.count
            if width + size > limit {
                out += "\r\n "
                width = 1
            }
            out.unicodeScalars.append(character)
            width += size
        }
        return out + "\r\n"
    }

    /// `20261204T093000Z`.
    public static func utc(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// `20261204`, a DATE value.
    public static func day(_ date: CalendarDate) -> String { String(format: "%04d%02d%02d", date.year, date.month, date.day) }
}

/// One VEVENT.
public struct ICalendarEvent: Sendable, Equatable {
    /// When an event happens: a time span in UTC, or a whole day (VALUE=DATE; it ends the next day).
    public enum When: Sendable, Equatable {
        case span(start: Date, end: Date)
        case allDay(CalendarDate)
    }

    public enum Status: String, Sendable, Equatable {
        case confirmed = "CONFIRMED"
        case cancelled = "CANCELLED"
    }

    /// A person on an invitation; the address is already a checked `MailAddress`, so nothing
    /// in it can break a line.
    public struct Person: Sendable, Equatable {
        public var name: String?
        public var address: MailAddress
        public init(_ address: MailAddress) {
            self.name = address.name
            self.address = address
        }
    }

    /// Stable for the life of the thing it describes: a client matches updates and cancellations by it.
    public var uid: String
    public var stamp: Date
    public var when: When
    public var sequence: Int
    public var summary: String
    public var description: String?
    public var location: String?
    /// http(s) only (checked by the caller); written as a URI value, unescaped.
    public var url: String?
    public var status: Status?
    public var organizer: Person?
    public var attendees: [Person]

    public init(
        uid: String, stamp: Date, when: When, sequence: Int = 0, summary: String, description: String? = nil, location: String? = nil, url: String? = nil,
        status: Status? = nil, organizer: Person? = nil, attendees: [Person] = []
    ) {
        self.uid = uid
        self.stamp = stamp
        self.when = when
        self.sequence = sequence
        self.summary = summary
        self.description = description
        self.location = location
        self.url = url
        self.status = status
        self.organizer = organizer
        self.attendees = attendees
    }

    func lines() -> [String] {
        var lines = ["BEGIN:VEVENT", "UID:\(ICalendar.escape(uid))", "DTSTAMP:\(ICalendar.utc(stamp))"]
        switch when {
        case .span(let start, let end):
            lines += ["DTSTART:\(ICalendar.utc(start))", "DTEND:\(ICalendar.utc(end))"]
        case .allDay(let day):
            lines += ["DTSTART;VALUE=DATE:\(ICalendar.day(day))", "DTEND;VALUE=DATE:\(ICalendar.day(day.adding(days: 1)))"]
        }
        lines += ["SEQUENCE:\(sequence)", "SUMMARY:\(ICalendar.escape(summary))"]
        if let description { lines.append("DESCRIPTION:\(ICalendar.escape(description))") }
        if let location { lines.append("LOCATION:\(ICalendar.escape(location))") }
        if let url, !url.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " }) { lines.append("URL:\(url)") }
        if let status { lines.append("STATUS:\(status.rawValue)") }
        if case .allDay = when { lines.append("TRANSP:TRANSPARENT") }
        if let organizer { lines.append("ORGANIZER\(Self.name(organizer)):mailto:\(organizer.address.address)") }
        for attendee in attendees {
            lines.append("ATTENDEE\(Self.name(attendee));ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:\(attendee.address.address)")
        }
        lines.append("END:VEVENT")
        return lines
    }

    private static func name(_ person: Person) -> String {
        guard let name = person.name, !name.isEmpty else { return "" }
        return ";CN=" + ICalendar.parameter(name)
    }
}

extension CalendarDate {
    /// The day `days` later (earlier when negative), in the Gregorian calendar.
    public func adding(days: Int) -> CalendarDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = calendar.date(from: DateComponents(year: year, month: month, day: day))!
        return CalendarDate(calendar.date(byAdding: .day, value: days, to: date)!)
    }
}
