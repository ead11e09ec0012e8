import Foundation

/// Who holds a schedule's shifts when: the rota's shifts, each held until the next one starts
/// or it ends, with overrides laid over them (the newest on top). Pure; the shift-change job,
/// the API's timeline and the tests all read it from here.
public struct ShiftTimeline: Sendable {
    public var pattern: ShiftPattern
    public var rotation: [String]
    public var overrides: [ShiftOverride]

    public init(pattern: ShiftPattern, rotation: [String], overrides: [ShiftOverride]) {
        self.pattern = pattern
        self.rotation = rotation
        // Newest first: the first override covering an instant decides it.
        self.overrides = overrides.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }

    /// A span with one holder. `overrideID` when an override put them there; `shift` is the
    /// rota's shift number beneath (nil in a gap between shifts).
    public struct Segment: Sendable, Hashable, Codable {
        public var start: Date
        public var end: Date
        public var memberID: String?
        public var overrideID: String?
        public var shift: Int?
    }

    /// A change of holder: the instant, who held it last (nil before the first shift) and who
    /// comes on.
    public struct Change: Sendable, Hashable {
        public var at: Date
        public var from: String?
        public var to: String
    }

    /// The spans of `[from, to)`, in order, adjacent ones with the same holder, override and
    /// shift merged. A gap with nobody on shift is a span whose `memberID` is nil.
    public func segments(from: Date, to: Date) -> [Segment] {
        guard from < to, !rotation.isEmpty else { return [] }
        let shifts = pattern.occurrences(from: from, to: to)
        // A shift holds until the next one starts, or it ends.
        var held: [(start: Date, end: Date, index: Int)] = []
        for (position, shift) in shifts.enumerated() {
            let next = position + 1 < shifts.count ? shifts[position + 1].start : shift.end
            held.append((shift.start, min(shift.end, next), shift.index))
        }
        let relevant = overrides.filter { $0.endsAt > from && $0.startsAt < to }
        var bounds = Set([from, to])
        for shift in held { bounds.formUnion([shift.start, shift.end]) }
        for override in relevant { bounds.formUnion([override.startsAt, override.endsAt]) }
        let sorted = bounds.filter { $0 >= from && $0 <= to }.sorted()
        var result: [Segment] = []
        var next = 0  // the first held shift not yet begun: bounds only grow, so it only moves on
        for (start, end) in zip(sorted, sorted.dropFirst()) {
            while next < held.count && held[next].start <= start { next += 1 }
            let shift = next > 0 && start < held[next - 1].end ? held[next - 1] : nil
            let override = relevant.first { $0.startsAt <= start && start < $0.endsAt }
            let member = override?.memberID ?? shift.map { rotation[$0.index % rotation.count] }
            let segment = Segment(start: start, end: end, memberID: member, overrideID: override?.id, shift: shift?.index)
            if var last = result.last, last.end == start, last.memberID == member, last.overrideID == override?.id, last.shift == shift?.index {
                last.end = end
                result[result.count - 1] = last
            } else {
                result.append(segment)
            }
        }
        return result
    }

    /// How far back a change looks for who held the account last (across a gap, a weekend).
    var lookBack: TimeInterval { pattern.nominalLength + Double(7 * pattern.interval + 1) * 86_400 }

    /// The changes of holder in `(after, until]`: every instant a different member comes on.
    /// The same member on again after a gap, or at the next shift, is no change.
    public func changes(after: Date, until: Date) -> [Change] {
        guard after < until else { return [] }
        var last: String?
        var result: [Change] = []
        // A change at `until` itself counts: the span starting there is read for one millisecond.
        for segment in segments(from: after.addingTimeInterval(-lookBack), to: until.addingTimeInterval(0.001)) {
            guard let member = segment.memberID else { continue }
            if segment.start > after, member != last { result.append(Change(at: segment.start, from: last, to: member)) }
            last = member
        }
        return result
    }

    /// How far ahead `nextChange` looks: past the longest gap between two changes of a sparse
    /// rota (every 52 weeks) and the furthest an override may start (a year ahead).
    public static let horizon: TimeInterval = 400 * 86_400

    /// The first change after `instant`, looking up to `horizon` ahead (nil: the same person
    /// holds it all that time, or the rota is empty). It looks two days ahead first, then
    /// further: a dense rota never computes a year of shifts.
    public func nextChange(after instant: Date, horizon: TimeInterval = ShiftTimeline.horizon) -> Change? {
        var from = instant
        for days in [2.0, 14, 62, 400] {
            let until = instant.addingTimeInterval(min(days * 86_400, horizon))
            if let found = changes(after: from, until: until).first { return found }
            if until >= instant.addingTimeInterval(horizon) { break }
            from = until
        }
        return nil
    }

    /// Who holds the shift at `instant` (nil in a gap).
    public func holder(at instant: Date) -> String? {
        segments(from: instant, to: instant.addingTimeInterval(1)).first?.memberID
    }
}

extension ShiftTimeline {
    /// The change at exactly `instant`, if the timeline has one there now (an edit may have
    /// moved it: then a job due at the old instant finds none and does nothing).
    public func change(at instant: Date) -> Change? {
        changes(after: instant.addingTimeInterval(-0.001), until: instant).first { $0.at == instant }
    }
}
