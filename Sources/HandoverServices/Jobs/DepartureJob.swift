import Foundation
import HandoverStore

/// `departure.apply`: a future-dated departure on its day (`DepartureService.applyScheduled`).
public enum DepartureJob {
    public static let kind = JobKind.departureApply

    public static func handler(departures: DepartureService) -> JobHandler {
        { job in try await departures.applyScheduled(job) }
    }
}
