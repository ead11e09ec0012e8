import Foundation

/// When a schedule's shifts fall: the RRULE subset (RFC 5545 §3.3.10) read into days, the start
/// on the wall clock of a zone, and the length. Pure: `occurrences(from:to:)` lists them.
public struct ShiftPattern: Sendable, Hashable {
    public enum Frequency: String, Sendable, Hashable {
        case daily = "DAILY"
        case weekly = "WEEKLY"
    }

    public var frequency: Frequency
    public var interval: Int
    /// ISO weekdays (1 Monday … 7 Sunday), sorted; weekly only (default: `startsOn`'s).
    public var weekdays: [Int]
    public var startsOn: CalendarDate
    /// When shifts start on a shift day, minutes after midnight on the zone's wall clock,
    /// sorted: "07:00,19:00" is a day and a night shift.
    public var startMinutes: [Int]
    public var days: Int
    public var seconds: Int
    public var zone: TimeZone

    static let dayNames = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

    /// Reads and checks every part, naming each one that is wrong (paths are the API's fields).
    public static func make(rule: String, startsOn: CalendarDate, startTime: String, duration: String, timeZone: String) -> Result<
        ShiftPattern, HandoverError
    > {
        var problems: [Problem] = []
        let zone = TimeZone(identifier: timeZone)
        if zone == nil { problems.append(Problem(path: "timeZone", message: "\"\(timeZone)\" is not a time zone: use an IANA name such as Europe/Paris")) }
        let starts = startTime.split(separator: ",", omittingEmptySubsequences: false).map { Self.minute(of: $0.trimmingCharacters(in: .whitespaces)) }
        let start = starts.contains(nil) || starts.isEmpty || starts.count > 24 || Set(starts).count != starts.count ? nil : starts.compactMap { $0 }.sorted()
        if start == nil {
            problems.append(
                Problem(
                    path: "startTime",
                    message: "\"\(startTime)\" is not a time: use HH:MM, 24-hour, such as 07:00, or several different ones such as 07:00,19:00"))
        }
        let length = Self.duration(duration)
        if length == nil {
            problems.append(Problem(path: "duration", message: "\"\(duration)\" is not a duration: use ISO 8601 such as PT8H, PT12H or P7D (at most 31 days)"))
        }
        var frequency: Frequency?
        var interval = 1
        var weekdays: [Int] = []
        var seen = Set<String>()
        let text = rule.hasPrefix("RRULE:") ? String(rule.dropFirst(6)) : rule
        for part in text.split(separator: ";", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard pieces.count == 2 else {
                problems.append(Problem(path: "rule", message: "\"\(part)\" is not NAME=VALUE"))
                continue
            }
            let (name, value) = (pieces[0].uppercased(), pieces[1].uppercased())
            if !seen.insert(name).inserted { problems.append(Problem(path: "rule", message: "\(name) is given twice")) }
            switch name {
            case "FREQ":
                frequency = Frequency(rawValue: value)
                if frequency == nil { problems.append(Problem(path: "rule", message: "FREQ=\(value) is not supported: shifts recur DAILY or WEEKLY")) }
            case "INTERVAL":
                if value.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(value), (1...52).contains(number) {
                    interval = number
                } else {
                    problems.append(Problem(path: "rule", message: "INTERVAL=\(value) is not a whole number from 1 to 52"))
                }
            case "BYDAY":
                if value.isEmpty { problems.append(Problem(path: "rule", message: "BYDAY names no day: use MO, TU, WE, TH, FR, SA or SU")) }
                for day in value.split(separator: ",") {
                    if let index = dayNames.firstIndex(of: String(day)) {
                        weekdays.append(index + 1)
                    } else {
                        problems.append(Problem(path: "rule", message: "BYDAY \(day) is not a day: use MO, TU, WE, TH, FR, SA or SU"))
                    }
                }
            case "WKST":
                if value != "MO" { problems.append(Problem(path: "rule", message: "WKST=\(value) is not supported: weeks start on Monday")) }
            default:
                problems.append(
                    Problem(path: "rule", message: "\(name) is not supported: a shift rule has FREQ (DAILY or WEEKLY), INTERVAL and, weekly, BYDAY"))
            }
        }
        if frequency == nil && !seen.contains("FREQ") { problems.append(Problem(path: "rule", message: "FREQ is missing: FREQ=DAILY or FREQ=WEEKLY")) }
        if frequency == .daily && !weekdays.isEmpty {
            problems.append(Problem(path: "rule", message: "BYDAY goes with FREQ=WEEKLY: a daily rule has a shift every day"))
        }
        guard problems.isEmpty, let frequency, let zone, let start, let length else { return .failure(.invalid(problems)) }
        if weekdays.isEmpty && frequency == .weekly { weekdays = [startsOn.isoWeekday] }
        return .success(
            ShiftPattern(
                frequency: frequency, interval: interval, weekdays: Array(Set(weekdays)).sorted(), startsOn: startsOn, startMinutes: start, days: length.days,
                seconds: length.seconds, zone: zone))
    }

    /// "HH:MM" as minutes after midnight.
    static func minute(of text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }), let hour = Int(parts[0]),
            let minute = Int(parts[1]), (0..<24).contains(hour),
            (0..<60).contains(minute)
        else { return nil }
        return hour * 60 + minute
    }

    /// `P[nD][T[nH][nM]]` (also `PnW`) as days and seconds, both read on the wall clock (see
    /// `occurrences`); more than zero, at most 31 days.
    static func duration(_ text: String) -> (days: Int, seconds: Int)? {
        var rest = Substring(text.uppercased())
        guard rest.hasPrefix("P") else { return nil }
        rest = rest.dropFirst()
        var days = 0, seconds = 0, inTime = false, number = "", sawUnit = false, sawTimeUnit = false
        for character in rest {
            if character.isASCII && character.isNumber {
                number.append(character)
                continue
            }
            if character == "T" {
                guard !inTime, number.isEmpty else { return nil }
                inTime = true
                continue
            }
            guard let value = Int(number), number.count <= 4 else { return nil }
            number = ""
            sawUnit = true
            switch (character, inTime) {
            case ("W", false): days += 7 * value
            case ("D", false): days += value
            case ("H", true): (seconds, sawTimeUnit) = (seconds + 3600 * value, true)
            case ("M", true): (seconds, sawTimeUnit) = (seconds + 60 * value, true)
            default: return nil
            }
        }
        // "P1DT": a T says a time follows.
        guard number.isEmpty, sawUnit, !inTime || sawTimeUnit, days * 86_400 + seconds > 0, days * 86_400 + seconds <= 31 * 86_400 else { return nil }
        return (days, seconds)
    }

    /// The nominal length, for looking back far enough.
    public var nominalLength: TimeInterval { TimeInterval(days * 86_400 + seconds) }

    /// One shift: its number from the first (which picks its holder) and its span.
    public struct Occurrence: Sendable, Hashable {
        public var index: Int
        public var start: Date
        public var end: Date
    }

    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }

    /// Every shift that overlaps `[from, to)`, in order of start.
    public func occurrences(from: Date, to: Date) -> [Occurrence] {
        guard from < to else { return [] }
        let calendar = calendar
        // Local days from the earliest whose shift could still be running at `from`.
        let first = max(startsOn, CalendarDate(from.addingTimeInterval(-nominalLength - 2 * 86_400)))
        let last = CalendarDate(to.addingTimeInterval(2 * 86_400))
        var result: [Occurrence] = []
        var day = first
        while day <= last {
            if let dayIndex = index(of: day) {
                for (position, minute) in startMinutes.enumerated() {
                    // The end is read on the wall clock too: 19:00 for PT12H ends at 07:00, also
                    // on the night the clocks change (that shift lasts 11 or 13 hours).
                    let endMinute = minute + seconds / 60
                    let endDay = day.adding(days: days + endMinute / 1440)
                    guard
                        let start = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: minute / 60, minute: minute % 60)),
                        let end = calendar.date(
                            from: DateComponents(
                                year: endDay.year, month: endDay.month, day: endDay.day, hour: endMinute % 1440 / 60, minute: endMinute % 60)),
                        end > start, end > from, start < to
                    else { continue }
                    result.append(Occurrence(index: dayIndex * startMinutes.count + position, start: start, end: end))
                }
            }
            day = day.adding(days: 1)
        }
        return result.sorted { $0.start < $1.start }
    }

    /// The number of the shift day `day` is from the first, or nil when it is not one.
    func index(of day: CalendarDate) -> Int? {
        let offset = startsOn.days(until: day)
        guard offset >= 0 else { return nil }
        switch frequency {
        case .daily:
            return offset % interval == 0 ? offset / interval : nil
        case .weekly:
            // Weeks start on Monday (WKST=MO); the first week's days before `startsOn` are not
            // shifts. Counted in days alone (no calendar), like `days(until:)`.
            let week = (offset + startsOn.isoWeekday - 1) / 7
            guard week % interval == 0, let position = weekdays.firstIndex(of: day.isoWeekday) else { return nil }
            let skipped = weekdays.filter { $0 < startsOn.isoWeekday }.count
            let index = (week / interval) * weekdays.count + position - skipped
            return index >= 0 ? index : nil
        }
    }
}

extension CalendarDate {
    /// 1 Monday … 7 Sunday.
    public var isoWeekday: Int {
        // 1970-01-01 was a Thursday (4).
        let days = Self.epoch.days(until: self)
        return ((days % 7) + 7 + 3) % 7 + 1
    }

    private static let epoch = CalendarDate("1970-01-01")!
}

extension ShiftPattern {
    /// In words, for pages and the CLI: "every weekday (Mon-Fri) at 09:00 for 8 hours",
    /// "every 2 weeks on Mon and Thu at 07:00 and 19:00 for 12 hours".
    public var summary: String {
        let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        func list(_ items: [String]) -> String {
            items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + items[items.count - 1]
        }
        var when: String
        switch frequency {
        case .daily:
            when = interval == 1 ? "every day" : "every \(interval) days"
        case .weekly:
            let every = interval == 1 ? "every week" : "every \(interval) weeks"
            if weekdays == [1, 2, 3, 4, 5] {
                when = interval == 1 ? "every weekday (Mon-Fri)" : "\(every) on weekdays (Mon-Fri)"
            } else {
                when = "\(every) on \(list(weekdays.map { names[$0 - 1] }))"
            }
        }
        let times = list(startMinutes.map { String(format: "%02d:%02d", $0 / 60, $0 % 60) })
        var length: [String] = []
        if days > 0 { length.append(days == 1 ? "1 day" : "\(days) days") }
        let hours = seconds / 3600, minutes = seconds % 3600 / 60
        if hours > 0 { length.append(hours == 1 ? "1 hour" : "\(hours) hours") }
        if minutes > 0 { length.append(minutes == 1 ? "1 minute" : "\(minutes) minutes") }
        return "\(when) at \(times) for \(length.joined(separator: " "))"
    }
}
