import Foundation
import HandoverCore
import Hummingbird

/// ETags are the row version, always strong: `"v7"`.
enum ETag {
    static func make(_ version: Int) -> String { "\"v\(version)\"" }

    /// The version an `If-Match` header requires; nil when absent or `*`.
    ///
    /// RFC 9110 13.1.1: If-Match uses the strong comparison, so a weak tag (`W/"v3"`) never matches,
    /// and neither does a tag this server never issued: both ask for `neverMatches`, so the write
    /// fails with 412 like a version that is no longer current, but only after the usual checks
    /// (13.2.1 puts 404 and 403 ahead of a failed precondition); `whyNoMatch` then explains it.
    /// A value that is not `*` or one entity-tag is malformed: 400. A list of tags is refused as
    /// malformed too (the spec says so): a write names the one version it was based on.
    static func expectedVersion(_ request: Request) throws -> Int? {
        guard let value = request.headers[.ifMatch] else { return nil }
        switch parse(value) {
        case .any: return nil
        case .version(let version): return version
        case .weak, .foreign: return neverMatches
        case .malformed:
            throw APIError.badRequest(
                "If-Match must be * or one ETag in double quotes, e.g. \"v3\"; got \(shown(value)).",
                errors: [Problem(path: "If-Match", message: "not * or one entity-tag")])
        }
    }

    /// Versions start at 1.
    static let neverMatches = 0

    /// Why the request's If-Match cannot match any version, for the 412; nil when it names a version or none.
    static func whyNoMatch(_ request: Request) -> String? {
        guard let value = request.headers[.ifMatch] else { return nil }
        switch parse(value) {
        case .weak: return "If-Match \(shown(value)) is a weak ETag; If-Match compares strongly, so send the ETag as this server sent it, without W/."
        case .foreign: return "If-Match \(shown(value)) is not an ETag this server issued; send the ETag header of your last read."
        case .any, .version, .malformed: return nil
        }
    }

    /// Quoted back in answers, cut short: a header can be kilobytes long.
    static func shown(_ value: String) -> String { value.count > 40 ? String(value.prefix(40)) + "…" : value }

    enum Condition: Equatable {
        case any
        case version(Int)
        /// A well-formed weak tag: never matches under the strong comparison.
        case weak
        /// A well-formed strong tag that is not `"v<n>"`: never matches.
        case foreign
        case malformed
    }

    /// Reads `*` or one entity-tag (`[W/]"<etagc>*"`, RFC 9110 8.8.3; etagc limited to visible ASCII but `"`).
    static func parse(_ header: String) -> Condition {
        let value = header.trimmingCharacters(in: .whitespaces)
        if value == "*" { return .any }
        var tag = Substring(value)
        let weak = tag.hasPrefix("W/")
        if weak { tag = tag.dropFirst(2) }
        guard tag.count >= 2, tag.first == "\"", tag.last == "\"" else { return .malformed }
        let opaque = tag.dropFirst().dropLast()
        guard opaque.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value <= 0x7E && $0 != "\"" }) else { return .malformed }
        if weak { return .weak }
        let digits = opaque.dropFirst()
        guard opaque.first == "v", !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let version = Int(digits)
        else { return .foreign }
        return .version(version)
    }
}
