import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

/// `handover insight`: the quality dashboards and the documentation audit (Docs/Insight.md).
struct InsightCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "insight",
        abstract: "Handover quality by month; the documentation audit.",
        discussion: """
            The numbers come from a snapshot the server computes hourly (or when you run
            `handover insight refresh`). Managers, auditors and admins may read them.
            """,
        subcommands: [Quality.self, AuditFindings.self, Refresh.self])

    /// The filters every subcommand shares.
    struct Filters: ParsableArguments {
        @Option(help: "Only handovers whose sender is in this team (id or name).") var team: String?
        @Option(help: "Only handovers of this template (its key, e.g. customer-account).") var template: String?
        @Option(help: "From this month, YYYY-MM (default: 11 months before --to).") var from: String?
        @Option(help: "To this month, YYYY-MM (default: this month).") var to: String?

        func query(client: HandoverAPIClient, extra: [(String, String)] = []) async throws -> String {
            var items: [URLQueryItem] = []
            if let team { items.append(URLQueryItem(name: "team", value: try await Self.teamID(team, client: client))) }
            if let template { items.append(URLQueryItem(name: "template", value: template)) }
            if let from { items.append(URLQueryItem(name: "from", value: from)) }
            if let to { items.append(URLQueryItem(name: "to", value: to)) }
            items += extra.map { URLQueryItem(name: $0.0, value: $0.1) }
            guard !items.isEmpty else { return "" }
            var parts = URLComponents()
            parts.queryItems = items
            return "?" + (parts.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        }

        /// A team's id from its id or its name (as of the last refresh).
        static func teamID(_ given: String, client: HandoverAPIClient) async throws -> String {
            let reply = try await CLIErrors.run { try await client.get("/api/v1/insight/quality", as: QualityResponse.self) }
            let teams = reply.value.teams
            return (teams.first { $0.id == given } ?? teams.first { $0.name.caseInsensitiveCompare(given) == .orderedSame })?.id ?? given
        }
    }

    struct Quality: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Quality measures over a period (--months: by month).",
            discussion: """
                Examples:
                  handover insight quality
                  handover insight quality --team Support --from 2026-01 --to 2026-06
                  handover insight quality --template customer-account --csv > quality.csv
                """)
        @OptionGroup var filters: Filters
        @Flag(help: "Also print each month's values.") var months = false
        @Flag(help: "Print CSV: a row a month, then the period's total.") var csv = false
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let client = try options.client()
            let query = try await filters.query(client: client)
            let reply = try await CLIErrors.run { try await client.get("/api/v1/insight/quality" + query, as: QualityResponse.self) }
            let q = reply.value
            if csv {
                print(InsightCSV.quality(q), terminator: "")
                return
            }
            options.output.emit(raw: reply.json) {
                guard let computedAt = q.computedAt else {
                    print("Nothing computed yet: run `handover insight refresh --wait`.")
                    return
                }
                print("Handovers begun \(q.filter.from ?? "") to \(q.filter.to ?? ""): \(q.months.reduce(0) { $0 + $1.tally.begun })")
                print("As of \(HumanDate.format(computedAt)), over \(q.handovers) handovers.")
                print("")
                Table.print(
                    ["MEASURE", "VALUE", "COUNTED", "BETTER"],
                    q.measures.map { m in
                        [m.title, m.value.map { String(format: "%.1f", $0) + " " + m.unit } ?? "no data", String(m.basis), m.lowerIsBetter ? "lower" : "higher"]
                    })
                if months {
                    print("")
                    Table.print(
                        ["MONTH", "BEGUN"] + q.measures.map(\.id),
                        q.months.map { month in
                            [month.month, String(month.tally.begun)] + q.measures.map { m in month.values[m.id].map { String(format: "%.1f", $0) } ?? "-" }
                        })
                }
            }
        }
    }

    struct AuditFindings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "audit",
            abstract: "Finished handovers short of what their template asks.",
            discussion: """
                The period is of completion. Rules: missing-signoffs, checklist-unticked,
                briefing-skipped, free-text. --csv prints every finding (the auditor's report).
                Examples:
                  handover insight audit --from 2026-01 --to 2026-03
                  handover insight audit --rule missing-signoffs --csv > audit.csv
                """)
        @OptionGroup var filters: Filters
        @Option(help: "Only this rule: \(DocumentationRule.allCases.map(\.rawValue).joined(separator: ", ")).") var rule: String?
        @Option(help: "At most this many findings (1-1000) unless --csv.") var limit = 50
        @Flag(help: "Print CSV with every matching finding.") var csv = false
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let client = try options.client()
            let extra = rule.map { [("rule", $0)] } ?? []
            let pageSize = csv ? 1000 : limit
            var offset = 0
            var all: [DocumentationFindingBody] = []
            var first: HandoverAPIClient.Reply<DocumentationFindingsResponse>?
            repeat {
                let query = try await filters.query(client: client, extra: extra + [("limit", String(pageSize)), ("offset", String(offset))])
                let reply = try await CLIErrors.run { try await client.get("/api/v1/insight/findings" + query, as: DocumentationFindingsResponse.self) }
                if first == nil { first = reply }
                all += reply.value.items
                offset += reply.value.items.count
                if csv && reply.value.total > 1000 { FileHandle.standardError.write(Data("\r\(offset) of \(reply.value.total) findings".utf8)) }
                guard csv, !reply.value.items.isEmpty, offset < reply.value.total else { break }
            } while true
            if csv {
                if all.count > 1000 { FileHandle.standardError.write(Data("\n".utf8)) }
                print(InsightCSV.audit(all), terminator: "")
                return
            }
            guard let reply = first else { return }
            options.output.emit(raw: reply.json) {
                if reply.value.computedAt == nil { print("Nothing computed yet: run `handover insight refresh --wait`.") }
                if all.isEmpty { print("No finding."); return }
                print("\(reply.value.total) finding\(reply.value.total == 1 ? "" : "s")\(reply.value.total > all.count ? ", the latest \(all.count)" : ""):")
                Table.print(
                    ["COMPLETED", "HANDOVER", "RULE", "DETAIL"],
                    all.map { [HumanDate.day($0.completedAt), $0.handoverID, $0.rule.rawValue, $0.detail] })
            }
        }
    }

    struct Refresh: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the numbers now (managers, admins).",
            discussion: "With --wait, waits (up to 10 minutes) until the new numbers are in.")
        @Flag(help: "Wait until the refresh has landed.") var wait = false
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let client = try options.client()
            // The snapshot in place when the refresh was queued: --wait waits for a newer one.
            let before = try await CLIErrors.run {
                try await client.send(.POST, "/api/v1/insight/refresh", body: Data("{}".utf8), as: InsightRefreshResponse.self)
            }.value.computedAt
            guard wait else {
                print("Refresh queued: the server recomputes the numbers in the background.")
                return
            }
            let deadline = Date().addingTimeInterval(600)
            while Date() < deadline {
                try await Task.sleep(for: .milliseconds(250))
                let now = try await CLIErrors.run { try await client.get("/api/v1/insight/quality", as: QualityResponse.self) }.value
                if let at = now.computedAt, before.map({ at > $0 }) ?? true {
                    print("Refreshed: \(now.handovers) handovers, \(now.findings) documentation findings, as of \(HumanDate.format(at)).")
                    return
                }
            }
            throw ValidationError("The refresh did not land within 10 minutes: is a server with its job runner running?")
        }
    }
}

/// The CSV the CLI prints, as the web's exports write it (`CSVText`).
enum InsightCSV {
    /// The web's `/insight/quality.csv`, column for column.
    static func quality(_ q: QualityResponse) -> String {
        CSVText.quality(months: q.months.map { ($0.month, $0.tally) }, total: q.total)
    }

    /// The web's `/insight/audit.csv`, with ids where the web writes names.
    static func audit(_ findings: [DocumentationFindingBody]) -> String {
        var text = CSVText.row(["completed_at", "handover_id", "account_id", "template", "rule", "field", "detail", "transferor_id", "recipient_id"])
        for f in findings {
            text += CSVText.row([
                Timestamp.format(f.completedAt), f.handoverID, f.accountID, f.templateKey, f.rule.rawValue, f.path ?? "", f.detail, f.transferorID, f.recipientID,
            ])
        }
        return text
    }
}
