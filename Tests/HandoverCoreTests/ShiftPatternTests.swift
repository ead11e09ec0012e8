import Foundation
import HandoverCore
import Testing

/// The shift rules, pure: the RRULE subset read or refused field by field, shifts on the wall
/// clock of their zone across daylight saving, the rota's turn by shift number, overrides laid
/// over the rota (the newest on top), changes only where the holder changes, and the packet
/// carried over from one shift to the next.
@Suite struct ShiftPatternTests {
    static func pattern(_ rule: String, _ startsOn: String, _ at: String, _ duration: String, _ zone: String = "UTC") throws -> ShiftPattern {
        try ShiftPattern.make(rule: rule, startsOn: CalendarDate(startsOn)!, startTime: at, duration: duration, timeZone: zone).get()
    }

    static func instant(_ text: String) -> Date { Timestamp.parse(text)! }

    static func problems(_ rule: String, at: String = "07:00", duration: String = "PT12H", zone: String = "UTC") -> [Problem] {
        guard
            case .failure(.invalid(let problems)) = ShiftPattern.make(
                rule: rule, startsOn: CalendarDate("2026-12-07")!, startTime: at, duration: duration, timeZone: zone)
        else { return [] }
        return problems
    }

    @Test func theRuleSubsetIsReadAndTheRestRefusedByName() throws {
        let weekly = try Self.pattern("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=FR,MO,WE", "2026-12-07", "09:00", "P1D")
        #expect(weekly.frequency == .weekly && weekly.interval == 2 && weekly.weekdays == [1, 3, 5] && weekly.startMinutes == [540])
        #expect(try Self.pattern("FREQ=WEEKLY", "2026-12-09", "09:00", "P7D").weekdays == [3])  // the first day's weekday
        #expect(try Self.pattern("freq=daily", "2026-12-07", "19:00, 07:00", "PT12H").startMinutes == [420, 1140])
        #expect(Self.problems("FREQ=MONTHLY").map(\.message) == ["FREQ=MONTHLY is not supported: shifts recur DAILY or WEEKLY"])
        #expect(Self.problems("FREQ=DAILY;COUNT=3").first?.message.hasPrefix("COUNT is not supported") == true)
        #expect(Self.problems("").map(\.message) == ["FREQ is missing: FREQ=DAILY or FREQ=WEEKLY"])
        #expect(Self.problems("FREQ=DAILY;BYDAY=MO").map(\.message) == ["BYDAY goes with FREQ=WEEKLY: a daily rule has a shift every day"])
        #expect(Self.problems("FREQ=DAILY;INTERVAL=0").map(\.message) == ["INTERVAL=0 is not a whole number from 1 to 52"])
        #expect(Self.problems("FREQ=WEEKLY;BYDAY=XX").map(\.message) == ["BYDAY XX is not a day: use MO, TU, WE, TH, FR, SA or SU"])
        #expect(Self.problems("FREQ=DAILY;FREQ=WEEKLY").map(\.message) == ["FREQ is given twice"])
        // Every wrong field at once, each by its path.
        let all = Self.problems("FREQ=HOURLY", at: "7:00", duration: "12h", zone: "Mars/Base")
        #expect(Set(all.map(\.path)) == ["rule", "startTime", "duration", "timeZone"])
        #expect(Self.problems("FREQ=WEEKLY;BYDAY=").map(\.message) == ["BYDAY names no day: use MO, TU, WE, TH, FR, SA or SU"])
        #expect(Self.problems("FREQ=DAILY;INTERVAL=+5").map(\.path) == ["rule"])
        for bad in ["24:00", "07:60", "07:00,07:00", "", "07:00,", "+7:00", "7:00"] {
            #expect(Self.problems("FREQ=DAILY", at: bad).map(\.path) == ["startTime"], "\(bad)")
        }
        for bad in ["PT0H", "P32D", "P5W", "PT", "P1H", "PT1D", "P-1D", "P1DT"] {
            #expect(Self.problems("FREQ=DAILY", duration: bad).map(\.path) == ["duration"], "\(bad)")
        }
        for good in ["PT8H", "PT12H", "P7D", "P1DT12H", "PT90M", "P4W", "P31D"] { #expect(Self.problems("FREQ=DAILY", duration: good).isEmpty, "\(good)") }
    }

    @Test func patternsReadInWords() throws {
        #expect(try Self.pattern("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "2026-12-07", "09:00", "PT8H").summary == "every weekday (Mon-Fri) at 09:00 for 8 hours")
        #expect(
            try Self.pattern("FREQ=WEEKLY;INTERVAL=2;BYDAY=TH,MO", "2026-12-07", "19:00,07:00", "P1DT12H30M").summary
                == "every 2 weeks on Mon and Thu at 07:00 and 19:00 for 1 day 12 hours 30 minutes")
        #expect(try Self.pattern("FREQ=DAILY;INTERVAL=3", "2026-12-07", "06:30", "P7D").summary == "every 3 days at 06:30 for 7 days")
    }

    @Test func shiftsFollowTheWallClockAcrossDaylightSaving() throws {
        // Paris leaves summer time on 2026-10-25 at 03:00: the 19:00 night shift that starts the
        // day before lasts 13 hours, and the 07:00 day shift starts at 07:00 local either side.
        let pattern = try Self.pattern("FREQ=DAILY", "2026-10-20", "07:00,19:00", "PT12H", "Europe/Paris")
        let shifts = pattern.occurrences(from: Self.instant("2026-10-24T00:00:00Z"), to: Self.instant("2026-10-26T00:00:00Z"))
        #expect(
            shifts.map { Timestamp.format($0.start) } == [
                "2026-10-23T17:00:00.000Z", "2026-10-24T05:00:00.000Z", "2026-10-24T17:00:00.000Z", "2026-10-25T06:00:00.000Z", "2026-10-25T18:00:00.000Z",
            ])
        // Shift numbers run on across the days: the 20th's day shift is 0, its night 1, …
        #expect(shifts.map(\.index) == [7, 8, 9, 10, 11])
        // Ends are on the wall clock too: the night the clocks go back is 13 hours, 19:00 to 07:00.
        #expect(Timestamp.format(shifts[2].end) == "2026-10-25T06:00:00.000Z" && shifts[2].end == shifts[3].start)
        // Days are wall-clock days: P1D from 09:00 ends at 09:00 the next day, 23 or 25 hours later.
        let daily = try Self.pattern("FREQ=DAILY", "2026-03-28", "09:00", "P1D", "Europe/Paris")
        let spring = daily.occurrences(from: Self.instant("2026-03-28T00:00:00Z"), to: Self.instant("2026-03-29T00:00:00Z"))
        let length = try #require(spring.first).end.timeIntervalSince(try #require(spring.first).start)
        #expect(abs(length - 23 * 3600) < 0.01, "\(length)")
    }

    @Test func weeklyRulesCountOnlyTheirDays() throws {
        // Every other week, Monday and Thursday, from Thursday 2026-12-10: the first week's Monday
        // (before the first day) is not a shift.
        let pattern = try Self.pattern("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "2026-12-10", "08:00", "PT8H")
        let shifts = pattern.occurrences(from: Self.instant("2026-12-01T00:00:00Z"), to: Self.instant("2027-01-01T00:00:00Z"))
        #expect(shifts.map { CalendarDate($0.start).description } == ["2026-12-10", "2026-12-21", "2026-12-24"])
        #expect(shifts.map(\.index) == [0, 1, 2])
        #expect(CalendarDate("2026-12-07")!.isoWeekday == 1 && CalendarDate("2026-12-13")!.isoWeekday == 7 && CalendarDate("1969-12-31")!.isoWeekday == 3)
    }

    static func override(_ id: String, _ member: String, _ from: String, _ to: String, made: Double) -> ShiftOverride {
        ShiftOverride(
            id: id, scheduleID: "s", organizationID: "o", memberID: member, startsAt: instant(from), endsAt: instant(to), createdBy: member,
            createdAt: Date(timeIntervalSince1970: made))
    }

    @Test func overridesLieOverTheRotaAndChangesAreWhereTheHolderChanges() throws {
        // Ana, Bo, Cy take 12-hour turns from 2026-12-07 07:00 UTC.
        let pattern = try Self.pattern("FREQ=DAILY", "2026-12-07", "07:00,19:00", "PT12H")
        var timeline = ShiftTimeline(pattern: pattern, rotation: ["ana", "bo", "cy"], overrides: [])
        #expect(timeline.holder(at: Self.instant("2026-12-07T08:00:00Z")) == "ana")
        #expect(timeline.holder(at: Self.instant("2026-12-08T08:00:00Z")) == "cy")
        #expect(timeline.holder(at: Self.instant("2026-12-06T08:00:00Z")) == nil)  // before the first shift
        let first = timeline.changes(after: Self.instant("2026-12-07T00:00:00Z"), until: Self.instant("2026-12-08T07:00:00Z"))
        #expect(first.map { "\($0.from ?? "-")>\($0.to)" } == ["->ana", "ana>bo", "bo>cy"])
        #expect(timeline.change(at: Self.instant("2026-12-07T19:00:00Z"))?.to == "bo")
        #expect(timeline.change(at: Self.instant("2026-12-07T20:00:00Z")) == nil)

        // Bo takes Cy's shift (7 Dec 19:00 → 8 Dec 07:00 is Bo's; 8 Dec 07:00 → 19:00 Cy's):
        // Bo holds from 19:00 to 19:00, so the 07:00 change is gone and the next is Bo → Ana.
        timeline.overrides = [Self.override("o1", "bo", "2026-12-08T07:00:00Z", "2026-12-08T19:00:00Z", made: 1)]
        let changes = timeline.changes(after: Self.instant("2026-12-07T12:00:00Z"), until: Self.instant("2026-12-09T00:00:00Z"))
        #expect(
            changes.map { "\(Timestamp.format($0.at)) \($0.from ?? "-")>\($0.to)" } == [
                "2026-12-07T19:00:00.000Z ana>bo", "2026-12-08T19:00:00.000Z bo>ana",
            ])
        let segments = timeline.segments(from: Self.instant("2026-12-08T00:00:00Z"), to: Self.instant("2026-12-08T20:00:00Z"))
        #expect(segments.map { "\($0.memberID ?? "-")\($0.overrideID.map { "/" + $0 } ?? "")" } == ["bo", "bo/o1", "ana"])
        // The newest override wins where two overlap; an hour in the middle is Dee's.
        timeline = ShiftTimeline(
            pattern: pattern, rotation: ["ana", "bo", "cy"],
            overrides: [
                Self.override("o2", "dee", "2026-12-08T10:00:00Z", "2026-12-08T11:00:00Z", made: 2),
                Self.override("o1", "bo", "2026-12-08T07:00:00Z", "2026-12-08T19:00:00Z", made: 1),
            ])
        #expect(timeline.holder(at: Self.instant("2026-12-08T10:30:00Z")) == "dee")
        #expect(timeline.holder(at: Self.instant("2026-12-08T11:30:00Z")) == "bo")
        #expect(
            timeline.changes(after: Self.instant("2026-12-08T08:00:00Z"), until: Self.instant("2026-12-08T12:00:00Z")).map { "\($0.from ?? "-")>\($0.to)" }
                == ["bo>dee", "dee>bo"])
    }

    @Test func gapsBetweenShiftsCarryTheLastHolderOver() throws {
        // Weekdays 09:00-17:00, Ana then Bo: Friday's Ana hands to Monday's Bo across the weekend.
        let pattern = try Self.pattern("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "2026-12-07", "09:00", "PT8H")
        let timeline = ShiftTimeline(pattern: pattern, rotation: ["ana", "bo"], overrides: [])
        #expect(timeline.holder(at: Self.instant("2026-12-12T12:00:00Z")) == nil)
        let next = try #require(timeline.nextChange(after: Self.instant("2026-12-11T10:00:00Z")))
        #expect(Timestamp.format(next.at) == "2026-12-14T09:00:00.000Z" && next.from == "ana" && next.to == "bo")
        // One member alone never changes: no next change.
        #expect(ShiftTimeline(pattern: pattern, rotation: ["ana"], overrides: []).nextChange(after: Self.instant("2026-12-11T10:00:00Z")) == nil)
    }

    @Test func theNextPacketCarriesOverWhatIsStillOpen() throws {
        let template = try #require(TemplateLibrary.builtIn(key: "shift"))
        var previous = HandoverContent()
        previous["itemStatus", "items"] = .array([
            .object(["title": .string("Bed 4: fever"), "status": .string("watch"), "owner": .string("Ana")]),
            .object(["title": .string("Pager swap"), "status": .string(" Done ")]),
        ])
        previous["pendingTasks", "tasks"] = .array([.object(["title": .string("Call lab"), "status": .string("resolved")])])
        previous["watchOuts", "watchOuts"] = .string("Bed 7 may deteriorate")
        previous["handoverChecklist", "checklist"] = .array([.object(["item": .string("Record the handover time"), "done": .bool(true)])])
        previous["itemStatus", "ghost"] = .string("a field the template has not")
        let next = ShiftPacket.carryOver(previous, template: template)
        #expect(next["itemStatus", "items"] == .array([.object(["title": .string("Bed 4: fever"), "status": .string("watch"), "owner": .string("Ana")])]))
        #expect(next["pendingTasks", "tasks"] == nil)  // nothing left open
        #expect(next["watchOuts", "watchOuts"] == .string("Bed 7 may deteriorate"))
        #expect(next["handoverChecklist", "checklist"] == nil)  // ticked together, anew each shift
        #expect(next["itemStatus", "ghost"] == nil)
        #expect(template.problems(in: next).isEmpty)
    }
}
