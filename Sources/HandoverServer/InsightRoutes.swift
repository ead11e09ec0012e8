import Foundation
import HandoverCore
import HandoverServices
import HandoverWire
import Hummingbird

/// Quality dashboards and documentation audits under /api/v1/insight (Docs/Insight.md):
/// managers, auditors and admins read them; managers and admins queue a refresh.
struct InsightRoutes: Sendable {
    let insight: InsightService

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1/insight")
        api.get("quality") { request, context in
            let actor = try context.requireMember()
            let filter = Self.filter(request)
            let read = try await insight.report(filter: filter, by: actor)
            return try JSONIO.response(QualityResponse(snapshot: read?.snapshot, report: read?.report, filter: filter))
        }
        api.get("findings") { request, context in
            let actor = try context.requireMember()
            let query = request.uri.queryParameters
            let offset = try AuditRoutes.integer(query["offset"], "offset") ?? 0
            let limit = try AuditRoutes.integer(query["limit"], "limit") ?? InsightService.findingsPageSize
            guard (1...1000).contains(limit) else {
                throw APIError.badRequest("limit is from 1 to 1000.", errors: [Problem(path: "limit", message: "must be from 1 to 1000")])
            }
            guard offset <= 1_000_000_000 else {
                throw APIError.badRequest("offset is at most 1000000000.", errors: [Problem(path: "offset", message: "must be at most 1000000000")])
            }
            let rule = try AccessRoutes.choice(query["rule"].map(String.init), "rule", DocumentationRule.self)
            let page = try await insight.findings(filter: Self.filter(request), rule: rule, limit: limit, offset: offset, by: actor)
            let snapshot = try await insight.snapshot(by: actor)
            return try JSONIO.response(
                DocumentationFindingsResponse(
                    items: page.findings.map(DocumentationFindingBody.init), total: page.total, offset: offset, computedAt: snapshot?.computedAt))
        }
        api.post("refresh") { _, context in
            let actor = try context.requireMember()
            try await insight.requestRefresh(by: actor)
            let snapshot = try await insight.snapshot(by: actor)
            return try JSONIO.response(InsightRefreshResponse(computedAt: snapshot?.computedAt), status: .accepted)
        }
    }

    /// The filter's parameters as given (the service checks them); empty ones mean no filter.
    static func filter(_ request: Request) -> InsightFilter {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? {
            guard let text = query[name[...]].map(String.init), !text.isEmpty else { return nil }
            return text
        }
        return InsightFilter(teamID: value("team"), templateKey: value("template"), from: value("from"), to: value("to"))
    }
}
