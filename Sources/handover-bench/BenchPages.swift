import ArgumentParser
import AsyncHTTPClient
import Foundation
import HandoverCore
import HandoverServer
import HandoverServices
import HandoverStore
import Hummingbird
import Logging
import NIOCore

/// Page rendering with a realistically full database: the server's own `Server-Timing` for the
/// home page and the handover page, p50/p99, and the weight of what a page loads.
struct BenchPages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pages",
        abstract: "Render the home, handover, board and quality pages with many handovers in SQLite; print p50/p99 server time and page weight.",
        discussion: """
            Seeds a temporary SQLite database with --handovers handovers (each on its own account, spread over
            20 members and every state), starts the server on loopback, signs in as a member, their manager
            and an admin, and requests each page --requests times one after another. Server time is the
            server's own Server-Timing header (request in to response ready); client time is measured beside it.
            The handovers began over the last twelve months; the quality snapshot is refreshed once after
            seeding (its time is printed) before the dashboard and the documentation audit are requested.
            Targets: p99 server time < 20 ms (the dashboards: < 50 ms); page weight (HTML + CSS + JS) < 100 KB.
            """
    )

    @Option(help: "Handovers in the database.") var handovers = 10_000
    @Option(help: "Requests per page.") var requests = 300
    @Option(help: "Seed into this SQLite file and keep it, for inspection (default: a temporary file, removed).") var keep: String?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard handovers >= 100, requests > 0 else { throw ValidationError("--handovers must be at least 100 and --requests positive") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("handover-bench-pages-\(Secrets.newID())")
        defer { if keep == nil { try? FileManager.default.removeItem(at: folder) } }
        try await SQLHandoverStore.withStore(.sqlite(path: keep ?? folder.appendingPathComponent("pages.sqlite").path), measure)
    }

    func measure(_ store: SQLHandoverStore) async throws {
        log("seeding \(handovers) handovers…")
        let seeded = try await seed(store)
        log("  done in \(String(format: "%.1f", seeded.seconds)) s")
        let insight = InsightService(store: store, templates: TemplateService(store: store), clock: .system)
        let refreshStart = ContinuousClock.now
        let snapshot = try await insight.refresh(organizationID: seeded.admin.organizationID)
        let refreshSeconds = (ContinuousClock.now - refreshStart).seconds
        log(
            String(
                format: "quality refresh: %d handovers, %d findings, %d buckets in %.1f s (%.0f handovers/s)", snapshot.handovers, snapshot.findings,
                snapshot.buckets.count, refreshSeconds, Double(snapshot.handovers) / max(refreshSeconds, 0.001)))

        var configuration = ServerConfiguration()
        configuration.port = 0
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var quiet = Logger(label: "handover.bench")
        quiet.logLevel = .critical
        let app = HandoverApplication.make(store: store, configuration: configuration, logger: quiet) { port in portContinuation.yield(port) }
        let server = Task { try await app.runService() }
        defer { server.cancel() }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw BenchError("the server did not start") }
        let base = "http://127.0.0.1:\(port)"
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { Task { try? await http.shutdown() } }

        let admin = MemberService(store: store)
        func cookie(_ member: Member) async throws -> String {
            "handover_session=" + (try await admin.startSession(for: member, lifetime: 3600)).value
        }
        let pages: [(name: String, path: String, cookie: String)] = [
            ("home (member)", "/", try await cookie(seeded.member)),
            ("home (manager of 20)", "/", try await cookie(seeded.manager)),
            ("home (admin)", "/", try await cookie(seeded.admin)),
            ("handover page (recipient, submitted)", "/handovers/\(seeded.submittedID)", try await cookie(seeded.recipient)),
            ("handover editor (transferor, draft)", "/handovers/\(seeded.draftID)", try await cookie(seeded.member)),
            ("accounts list (first 200)", "/accounts", try await cookie(seeded.member)),
            ("pipeline board (every 20th account)", "/pipelines/\(seeded.pipelineID)", try await cookie(seeded.manager)),
            ("quality dashboard (admin, 12 months)", "/insight", try await cookie(seeded.admin)),
            ("quality dashboard (manager, one template, 6 months)", "/insight?template=customer-account&from=\(seeded.sixMonthsAgo)", try await cookie(seeded.manager)),
            ("documentation audit (admin, first page)", "/insight/audit", try await cookie(seeded.admin)),
        ]
        let dashboards: Set<String> = [
            "quality dashboard (admin, 12 months)", "quality dashboard (manager, one template, 6 months)", "documentation audit (admin, first page)",
        ]
        var results: [String: JSONValue] = [:]
        var worstP99 = 0.0, worstDashboardP99 = 0.0
        for page in pages {
            var server: [Double] = [], client: [Double] = []
            var bytes = 0
            for index in 0..<(requests + 20) {
                var request = HTTPClientRequest(url: base + page.path)
                request.headers.add(name: "Cookie", value: page.cookie)
                let began = ContinuousClock.now
                let response = try await http.execute(request, timeout: .seconds(10))
                let body = try await response.body.collect(upTo: 8 << 20)
                let took = (ContinuousClock.now - began).seconds * 1000
                guard response.status == .ok else { throw BenchError("\(page.path) answered \(response.status.code)") }
                guard index >= 20 else { continue }  // warm-up
                bytes = body.readableBytes
                client.append(took)
                if let timing = response.headers.first(name: "Server-Timing"), let value = timing.split(separator: "=").last.flatMap({ Double($0) }) {
                    server.append(value)
                }
            }
            server.sort(); client.sort()
            let s50 = percentile(server, 0.5), s99 = percentile(server, 0.99), c99 = percentile(client, 0.99)
            let target = dashboards.contains(page.name) ? 50 : 20
            if dashboards.contains(page.name) { worstDashboardP99 = max(worstDashboardP99, s99) } else { worstP99 = max(worstP99, s99) }
            log(
                "  \(page.name): "
                    + String(
                        format: "server p50 %.2f ms, p99 %.2f ms (target < %d); client p99 %.2f ms; HTML %.1f KB", s50, s99, target, c99, Double(bytes) / 1024))
            results[page.name] = .object(["serverP50ms": .number(s50), "serverP99ms": .number(s99), "clientP99ms": .number(c99), "htmlBytes": .number(Double(bytes))])
        }
        // The stylesheet and script every page loads, at the (content-hashed) URLs the pages name.
        let login = String(buffer: try await http.execute(HTTPClientRequest(url: base + "/login"), timeout: .seconds(10)).body.collect(upTo: 1 << 20))
        func asset(_ pattern: String) async throws -> Int {
            guard let match = login.firstMatch(of: try Regex(pattern)), let path = match.output[1].substring else {
                throw BenchError("the sign-in page names no \(pattern)")
            }
            return try await http.execute(HTTPClientRequest(url: base + path), timeout: .seconds(10)).body.collect(upTo: 1 << 20).readableBytes
        }
        let css = try await asset(#"href="(/assets/[^"]+\.css)""#)
        let js = try await asset(#"src="(/assets/[^"]+\.js)""#)
        let heaviest = results.values.compactMap { $0.objectValue?["htmlBytes"].flatMap { if case .number(let n) = $0 { n } else { nil } } }.max() ?? 0
        let weight = (heaviest + Double(css + js)) / 1024
        log(
            String(
                format: "page weight: heaviest HTML %.1f KB + CSS %.1f KB + JS %.1f KB = %.1f KB (target < 100 KB)",
                heaviest / 1024, Double(css) / 1024, Double(js) / 1024, weight))
        log("worst p99 server time " + String(format: "%.2f ms: ", worstP99) + (worstP99 < 20 ? "target met" : "TARGET MISSED"))
        log("worst dashboard p99 server time " + String(format: "%.2f ms: ", worstDashboardP99) + (worstDashboardP99 < 50 ? "target met" : "TARGET MISSED"))
        results["qualityRefreshSeconds"] = .number((refreshSeconds * 100).rounded() / 100)
        results["pageWeightKB"] = .number((weight * 10).rounded() / 10)
        results["handovers"] = .number(Double(handovers))
        if output.format == .json { try output.printJSON(JSONValue.object(results)) }
    }

    struct Seeded {
        var admin: Member, manager: Member, member: Member, recipient: Member
        var submittedID: String, draftID: String
        var seconds: Double
        /// `YYYY-MM` five months before this one: a six-month dashboard.
        var sixMonthsAgo = ""
        /// A three-stage pipeline holding every 20th account, for the board.
        var pipelineID = ""
    }

    /// Twenty members under one manager; every handover on its own account, states spread so that
    /// every list on the home page has rows.
    func seed(_ store: SQLHandoverStore) async throws -> Seeded {
        let start = ContinuousClock.now
        let now = WallClock.system.now()
        let admin = MemberService(store: store)
        let (_, boss) = try await admin.createOrganization(name: "Bench", adminEmail: "admin@bench.example", adminName: "Admin", password: nil)
        let manager = try await admin.createMember(
            organizationID: boss.organizationID, email: "manager@bench.example", name: "Manager", role: .manager, managerID: nil, password: nil, by: .operator)
        var members: [Member] = []
        for index in 0..<20 {
            members.append(
                try await admin.createMember(
                    organizationID: boss.organizationID, email: "m\(index)@bench.example", name: "Member \(index)",
                    role: .member, managerID: manager.id, password: nil, by: .operator))
        }
        let content = DemoData.completeCustomerContent(renewal: "2027-01-31", due: "2026-01-15")
        let states: [HandoverState] = [.draft, .submitted, .acknowledged, .completed, .completed, .verified, .closed, .cancelled, .returned, .completed]
        var submittedID = "", draftID = ""
        var submittedRecipient = members[1]
        let stages = ["Sales", "Onboarding", "Customer success"].map { PipelineStage(id: Secrets.newID(), name: $0, templateKey: "customer-account") }
        let pipeline = Pipeline(id: Secrets.newID(), organizationID: boss.organizationID, name: "Bench journey", stages: stages, createdAt: now, updatedAt: now)
        try await store.createPipeline(pipeline, by: .operator)
        for index in 0..<handovers {
            let transferor = members[index % members.count], recipient = members[(index + 1) % members.count]
            let state = states[(index / members.count) % states.count]  // every member has handovers in every state
            let account = Account(
                id: Secrets.newID(), organizationID: boss.organizationID, name: "Account \(index)", kind: .customer, ownerID: transferor.id,
                profile: AccountProfile(
                    overview: "Bench account", openItems: [OpenItem(title: "Follow-up \(index)", owner: transferor.name, due: CalendarDate("2026-01-15"))],
                    renewalDate: CalendarDate("2027-01-31"), tags: ["bench"]),
                createdAt: now, updatedAt: now)
            try await store.createAccount(account, by: .operator)
            // Begun over the last twelve months; submitted, acknowledged and completed hours later, as their state says.
            let begun = now.addingTimeInterval(-Double(index % 360) * 86_400 - 86_400)
            let submitted: Date? = state == .draft || state == .cancelled ? nil : begun.addingTimeInterval(Double(1 + index % 5) * 3600)
            let acknowledged: Date? =
                [.acknowledged, .completed, .verified, .closed].contains(state) ? submitted?.addingTimeInterval(Double(2 + index % 30) * 3600) : nil
            let handover = Handover(
                id: Secrets.newID(), organizationID: boss.organizationID, accountID: account.id, templateKey: "customer-account", templateVersion: 1,
                transferorID: transferor.id, recipientID: recipient.id, state: state, content: content,
                synthesis: state == .draft || state == .submitted || state == .returned ? nil : "Restated in the recipient's words for the benchmark.",
                createdAt: begun, updatedAt: now.addingTimeInterval(Double(index)), submittedAt: submitted, acknowledgedAt: acknowledged,
                completedAt: state.isFinished ? acknowledged?.addingTimeInterval(20 * 3600) : nil)
            try await store.createHandover(
                handover,
                record: HandoverEventRecord(
                    id: Secrets.newID(), handoverID: handover.id, organizationID: boss.organizationID,
                    actorID: transferor.id, event: "create", handoverVersion: 1, fromState: nil, toState: state, note: nil, at: now))
            if transferor.id == members[0].id && state == .draft { draftID = handover.id }
            if index % 20 == 0 {
                let move = StageMove(
                    id: Secrets.newID(), organizationID: boss.organizationID, accountID: account.id, pipelineID: pipeline.id, kind: .placed, fromStageID: nil,
                    toStageID: stages[(index / 20) % stages.count].id, fromOwnerID: transferor.id, toOwnerID: transferor.id, handoverID: nil, actorID: manager.id,
                    at: now)
                try await store.moveAccount(move, expected: nil, by: .operator)
            }
            if submittedID.isEmpty && state == .submitted { (submittedID, submittedRecipient) = (handover.id, recipient) }
            if index % 1000 == 999 { log("  \(index + 1) handovers") }
        }
        return Seeded(
            admin: boss, manager: manager, member: members[0], recipient: submittedRecipient, submittedID: submittedID, draftID: draftID,
            seconds: (ContinuousClock.now - start).seconds,
            sixMonthsAgo: QualityMeasures.month(of: now.addingTimeInterval(-150 * 86_400)), pipelineID: pipeline.id)
    }

    func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return (sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 100).rounded() / 100
    }

    func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}
