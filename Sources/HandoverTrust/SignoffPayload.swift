import Foundation
import HandoverCore

extension SignoffPayload {
    /// The payload for signing `handover` as it is now.
    public init(signing handover: Handover, signer: String, role: SignoffRole, at time: Date) throws {
        self.init(
            handover: handover.id, version: handover.version, contentDigest: try CanonicalJSON.digest(handover.content),
            signer: signer, role: role, statement: SignoffRules.statement(for: role), time: RFC3339.format(time))
    }

    public func canonicalBytes() throws -> [UInt8] { try CanonicalJSON.encode(self) }

    /// Reads a payload, accepting only its canonical form: one payload, one byte string.
    public static func parse(_ bytes: [UInt8]) throws(TrustError) -> SignoffPayload {
        try CanonicalPayload.parse(bytes, as: SignoffPayload.self)
    }

    public var date: Date? { RFC3339.parse(time) }
}

/// What a key enrolment signs, proving the enrolling member holds the private key.
public struct EnrolmentPayload: Sendable, Hashable, Codable {
    public static let type = "application/vnd.handover.key-enrolment+json"

    public var member: String
    public var organization: String
    /// Base64 of the raw 32-byte Ed25519 public key.
    public var publicKey: String
    public var time: String

    public init(member: String, organization: String, publicKey: String, time: String) {
        self.member = member
        self.organization = organization
        self.publicKey = publicKey
        self.time = time
    }

    public func canonicalBytes() throws -> [UInt8] { try CanonicalJSON.encode(self) }

    public static func parse(_ bytes: [UInt8]) throws(TrustError) -> EnrolmentPayload {
        try CanonicalPayload.parse(bytes, as: EnrolmentPayload.self)
    }
}

enum CanonicalPayload {
    static func parse<T: Codable>(_ bytes: [UInt8], as type: T.Type) throws(TrustError) -> T {
        let value: T
        do { value = try JSONDecoder().decode(T.self, from: Data(bytes)) } catch { throw .invalid("the payload is not a \(T.self): \(error)") }
        guard (try? CanonicalJSON.encode(value)) == bytes else { throw .invalid("the payload is not in RFC 8785 canonical form") }
        return value
    }
}

/// The one time format signed payloads use: what JavaScript's `Date.toISOString()` writes.
public enum RFC3339 {
    public static func format(_ date: Date) -> String { format(millis: date.millis) }

    public static func format(millis: Int64) -> String { Timestamp.format(millis: millis) }

    /// Accepts exactly the form `format` writes, so a signed time has one spelling.
    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = formatter.date(from: text) else { return nil }
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        guard format(millis: millis) == text else { return nil }
        return Date(millis: millis)
    }
}
