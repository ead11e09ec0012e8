import Foundation
import HandoverCore

// Bodies of the briefing and calendar-feed endpoints. A briefing is sent as `Briefing` itself.

/// `POST /handovers/{id}/briefings`.
public struct ScheduleBriefingRequest: Codable, Sendable {
    public var startsAt: Date
    public var durationMinutes: Int
    public var place: String?
    /// http:// or https:// only.
    public var videoURL: String?
    /// Members invited besides the two parties (who always are).
    public var attendeeIDs: [String]?

    public init(startsAt: Date, durationMinutes: Int, place: String? = nil, videoURL: String? = nil, attendeeIDs: [String]? = nil) {
        self.startsAt = startsAt
        self.durationMinutes = durationMinutes
        self.place = place
        self.videoURL = videoURL
        self.attendeeIDs = attendeeIDs
    }
}

/// `PATCH /briefings/{id}`: what changes; the rest stays.
public struct MoveBriefingRequest: Codable, Sendable {
    public var startsAt: Date?
    public var durationMinutes: Int?
    public var place: String?
    public var videoURL: String?

    public init(startsAt: Date? = nil, durationMinutes: Int? = nil, place: String? = nil, videoURL: String? = nil) {
        self.startsAt = startsAt
        self.durationMinutes = durationMinutes
        self.place = place
        self.videoURL = videoURL
    }
}

/// `POST /briefings/{id}/held`: a party's confirmation.
public struct BriefingHeldRequest: Codable, Sendable {
    public var minutes: Int
    public var covered: String
    public var stillOpen: String?

    public init(minutes: Int, covered: String, stillOpen: String? = nil) {
        self.minutes = minutes
        self.covered = covered
        self.stillOpen = stillOpen
    }
}

/// `POST /me/calendar-feed`: the private feed URL, shown once (only its digest is kept).
public struct CalendarFeedResponse: Codable, Sendable {
    public var url: String

    public init(url: String) { self.url = url }
}
