import Foundation
import HandoverCore
import HandoverWire

/// The departure forms' fields as a `DepartureRequest`. The plan form names each input
/// (`member`, `effective`, `rule-N-match|value|recipient`, `balance-<member id>`, `deactivate`); the preview
/// carries the request it planned as one hidden JSON field (`request`), so the apply form posts
/// exactly what was previewed, byte for byte, and the same `Idempotency-Key` digest on a resubmit.
/// `map-<account id>` selects on the preview set (or, empty, clear) one account's recipient.
enum DepartureForm {
    /// Rule rows on the plan form; more rules are for the CLI's `--rule` or the API.
    static let ruleRows = 3
    /// A rule's recipient select names a team as `team:<id>` (a member by their id alone).
    static let teamPrefix = "team:"

    static func request(_ form: Form) throws -> DepartureRequest {
        var request: DepartureRequest
        var problems: [Problem] = []
        if let json = form["request"] {
            guard let decoded = try? WireJSON.decoder.decode(DepartureRequest.self, from: Data(json.utf8)) else {
                throw HandoverError.invalid([Problem(path: "request", message: "the plan's inputs were not understood: plan the departure again")])
            }
            request = decoded
        } else {
            request = DepartureRequest(memberID: form.text("member") ?? "")
            if request.memberID.isEmpty { problems.append(Problem(path: "member", message: "choose who leaves")) }
            if let text = form.text("effective") {
                if let day = CalendarDate(text) {
                    request.effectiveOn = day
                } else {
                    problems.append(Problem(path: "effective", message: "give the day as YYYY-MM-DD, or leave it empty for now"))
                }
            }
            for row in 0..<ruleRows {
                let value = form.text("rule-\(row)-value"), recipient = form.text("rule-\(row)-recipient")
                guard value != nil || recipient != nil else { continue }
                guard let value, let recipient else {
                    problems.append(Problem(path: "rule \(row + 1)", message: "give both what to match and who receives it, or leave both empty"))
                    continue
                }
                let match = form.text("rule-\(row)-match").flatMap(DepartureRule.Match.init(rawValue:)) ?? .tag
                if match == .kind && AccountKind(rawValue: value) == nil {
                    let kinds = AccountKind.allCases.map(\.rawValue).joined(separator: ", ")
                    problems.append(Problem(path: "rule \(row + 1)", message: "\(value) is not a kind of account (one of \(kinds))"))
                    continue
                }
                // The select offers members (their ids) and teams (`team:<id>`).
                if recipient.hasPrefix(Self.teamPrefix) {
                    request.rules.append(DepartureRule(match: match, value: value, teamID: String(recipient.dropFirst(Self.teamPrefix.count))))
                } else {
                    request.rules.append(DepartureRule(match: match, value: value, recipientID: recipient))
                }
            }
            request.balanceAmong = form.values.keys.filter { $0.hasPrefix("balance-") }.map { String($0.dropFirst("balance-".count)) }.sorted()
            request.deactivate = form["deactivate"] != nil
        }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        // Overrides chosen on the preview: one mapping per account, the last word wins.
        for name in form.values.keys.sorted() where name.hasPrefix("map-") {
            let accountID = String(name.dropFirst("map-".count))
            request.mappings.removeAll { $0.accountID == accountID }
            if let recipient = form.text(name) { request.mappings.append(DepartureMapping(accountID: accountID, recipientID: recipient)) }
        }
        request.skipConflicts = false
        return request
    }

    /// The request as the preview's hidden field carries it.
    static func hidden(_ request: DepartureRequest) -> String {
        var request = request
        request.skipConflicts = false
        return (try? WireJSON.encoder.encode(request)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// A fresh key for one apply form: a resubmit of that form (back and submit again, a double
    /// click, the browser retrying) sends the same key and so applies once.
    static func newKey() -> String { "web-" + UUID().uuidString.lowercased() }

    /// The API's rule for the header, so the service sees the same kind of key from both edges.
    static func validKey(_ key: String?) -> String? {
        guard let key, !key.isEmpty, key.count <= 255, key.allSatisfy({ $0.isASCII && ($0.asciiValue.map { $0 >= 0x21 && $0 < 0x7f } ?? false) }) else {
            return nil
        }
        return key
    }
}
