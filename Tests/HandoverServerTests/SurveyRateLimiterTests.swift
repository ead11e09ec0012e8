import Foundation
@testable import HandoverServer
import Testing

/// The survey page's rate limits: per address and per token, an address over its limit adds
/// nothing more to the table, and the table stays bounded whatever arrives.
@Suite struct SurveyRateLimiterTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func anAddressOverItsLimitIsRefusedWithoutItsGuessesBeingKept() {
        let limiter = SurveyRateLimiter(perAddress: 30, perToken: 10)
        for attempt in 1...30 { #expect(limiter.refusal(ip: "203.0.113.9", token: "guess-\(attempt)", now: now) == nil) }
        for attempt in 31...500 {
            let refusal = limiter.refusal(ip: "203.0.113.9", token: "guess-\(attempt)", now: now)
            #expect(refusal?.status == .tooManyRequests)
        }
        // The address and its 30 allowed guesses; none of the 470 refused ones.
        #expect(limiter.entries == 31)
        // A minute later the address may try again.
        #expect(limiter.refusal(ip: "203.0.113.9", token: "later", now: now.addingTimeInterval(61)) == nil)
    }

    @Test func oneTokenTriedFromManyAddressesIsRefusedAfterItsLimit() {
        let limiter = SurveyRateLimiter(perAddress: 30, perToken: 10)
        for address in 1...10 { #expect(limiter.refusal(ip: "198.51.100.\(address)", token: "the-link", now: now) == nil) }
        #expect(limiter.refusal(ip: "198.51.100.11", token: "the-link", now: now)?.status == .tooManyRequests)
        #expect(limiter.refusal(ip: "198.51.100.11", token: "another-link", now: now) == nil)
    }

    @Test func theTableStaysBoundedUnderManyAddresses() {
        let limiter = SurveyRateLimiter()
        for n in 0..<25_000 {
            _ = limiter.refusal(ip: "10.\(n / 65_536).\(n / 256 % 256).\(n % 256)", token: "t\(n)", now: now.addingTimeInterval(Double(n) / 1000))
            if n % 1000 == 0 { #expect(limiter.entries <= SurveyRateLimiter.capacity + 1) }
        }
        #expect(limiter.entries <= SurveyRateLimiter.capacity + 1)
    }
}
