import ArgumentParser
import Foundation
import HandoverCore
import HandoverServices
import HandoverStore
import HandoverTrust
import SQLKit

struct BenchSearch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "The question answerer over N passages: search latency beside the bare engine query, on each engine.",
        discussion: """
            Seeds A accounts with P passages each (default 10,000 × 100 = 1,000,000), their text \
            drawn from a 6,000-word vocabulary with Zipf-like frequencies (so common words are \
            common), written through the store's own passage writer (FTS5 on SQLite, a tsvector \
            on PostgreSQL). Then Q questions of 2 to 6 words, each about a random account, through \
            AnswerService (the fingerprint check, the search, the five best passages) as an admin.

            Raw: the bare engine query for the same account and words, without our service, its \
            checks or its decoding. On SQLite: FTS5's MATCH alone (unranked), and FTS5's MATCH \
            ordered by its own bm25() (which the answerer does not use: it counts each word's \
            documents across the whole table on every query). On PostgreSQL: the tsvector match \
            ordered by ts_rank.

            Target (release build): p95 < 20 ms on each engine for 1,000,000 passages.
            """
    )

    @Option(help: "Accounts.") var accounts = 10_000
    @Option(help: "Passages per account.") var perAccount = 100
    @Option(help: "Questions asked.") var questions = 1_000
    @Option(help: "A throwaway PostgreSQL database to measure too (default: HANDOVER_TEST_POSTGRES_URL).") var postgres: String?
    @Flag(help: "Measure PostgreSQL alone.") var skipSqlite = false
    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard accounts > 0, perAccount > 0, questions > 0 else { throw ValidationError("--accounts, --per-account and --questions must be positive") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("handover-bench-\(Secrets.newID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var results: [String: JSONValue] = [:]
        for (name, location) in try benchEngines(sqlite: folder.appendingPathComponent("search.sqlite"), postgres: postgres)
        where !(skipSqlite && name == "sqlite") {
            log("\(name): writing \(accounts) accounts × \(perAccount) passages…")
            let f = try await SQLHandoverStore.withStore(location) { try await measure($0, engine: name) }
            log(String(format: "  %@: %d passages written in %.1f s (%.0f/s)", name, f.passages, f.seedSeconds, Double(f.passages) / f.seedSeconds))
            log(
                String(
                    format: "  %@: answers p50 %.2f ms, p95 %.2f ms, p99 %.2f ms (target p95 < 20 ms); %.0f%% found something",
                    name, f.service.p50, f.service.p95, f.service.p99, f.foundShare * 100))
            var figures: [String: JSONValue] = [
                "passages": .number(Double(f.passages)), "seedSeconds": .number(f.seedSeconds), "p50ms": .number(f.service.p50),
                "p95ms": .number(f.service.p95), "p99ms": .number(f.service.p99), "foundShare": .number(f.foundShare),
            ]
            for (raw, p) in f.raw {
                log(String(format: "  %@: raw, %@: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms", name, raw, p.p50, p.p95, p.p99))
                figures["raw " + raw] = .object(["p50ms": .number(p.p50), "p95ms": .number(p.p95), "p99ms": .number(p.p99)])
            }
            results[name] = .object(figures)
        }
        if output.format == .json { try output.printJSON(JSONValue.object(results)) }
    }

    struct Percentiles {
        var p50: Double, p95: Double, p99: Double
        init(_ millis: [Double]) {
            let sorted = millis.sorted()
            func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int((Double(sorted.count) * q).rounded(.up)) - 1)] }
            (p50, p95, p99) = (at(0.50), at(0.95), at(0.99))
        }
    }

    struct Figures {
        var passages: Int, seedSeconds: Double
        var service: Percentiles, raw: [(String, Percentiles)], foundShare: Double
    }

    /// A fixed vocabulary: a few hundred words of the trade, then made-up ones, ranked so that
    /// word k is drawn with a weight of 1/k (Zipf), as words are in real text.
    struct Vocabulary {
        let words: [String]
        let cumulative: [Double]

        init(size: Int) {
            let trade = """
                renewal contract invoice credit outage migration clinic customer contact champion sponsor budget discount quote \
                procurement order reminder appointment patient staff training waitlist dashboard capacity report review escalation \
                certificate sign access integration interface upgrade environment test pilot booking schedule support ticket price \
                uplift notice uptime service level risk competitor sentiment finance director manager officer data processing \
                agreement security audit onboarding handover owner meeting summary slides phone email chat call visit lunch office
                """.split(separator: " ").map(String.init)
            var words = trade
            var syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "xe", "zu", "pa", "de"]
            syllables += syllables.map { $0 + "r" }
            let n = syllables.count
            var i = 0
            while words.count < size {
                words.append(syllables[i % n] + syllables[(i / n) % n] + syllables[(i / (n * n)) % n])
                i += 1
            }
            self.words = words
            var total = 0.0
            cumulative = words.indices.map { k in
                total += 1 / Double(k + 1)
                return total
            }
        }

        func word(_ random: inout some RandomNumberGenerator) -> String {
            let x = Double.random(in: 0..<cumulative[cumulative.count - 1], using: &random)
            var (lo, hi) = (0, cumulative.count - 1)
            while lo < hi {
                let mid = (lo + hi) / 2
                if cumulative[mid] < x { lo = mid + 1 } else { hi = mid }
            }
            return words[lo]
        }

        func text(words count: Int, _ random: inout some RandomNumberGenerator) -> String {
            (0..<count).map { _ in word(&random) }.joined(separator: " ")
        }
    }

    func measure(_ store: SQLHandoverStore, engine: String) async throws -> Figures {
        let members = MemberService(store: store)
        let tag = Secrets.newID()
        let (_, admin) = try await members.createOrganization(name: "Bench search", adminEmail: "admin-\(tag)@bench.example", adminName: "Admin", password: nil)
        let org = admin.organizationID
        var random = SystemRandomNumberGenerator()
        let vocabulary = Vocabulary(size: 6_000)

        // Accounts by multi-row INSERT (the seed is not what is measured), then each account's
        // passages through the store's writer, at the fingerprint a bare account has.
        let ids = (0..<accounts).map { "bench-\(tag)-" + String(format: "%07d", $0) }
        let now = Date().millis
        try await store.database.transaction { db in
            for start in stride(from: 0, to: ids.count, by: 400) {
                var rows = SQLQueryString("INSERT INTO accounts (id, organization_id, name, kind, owner_id, profile, version, created_at, updated_at) VALUES ")
                for (i, id) in ids[start..<min(start + 400, ids.count)].enumerated() {
                    if i > 0 { rows += ", " }
                    rows += "(\(bind: id), \(bind: org), \(bind: "Account \(id)"), 'customer', \(bind: admin.id), '{}', 1, \(bind: now), \(bind: now))"
                }
                try await db.raw(rows).run()
            }
        }
        guard let fingerprint = try await store.passageFingerprints(accountID: ids[0], organizationID: org)?.current else { throw BenchError("no account") }
        let seedStart = ContinuousClock.now
        for (n, id) in ids.enumerated() {
            let passages = (0..<perAccount).map { i in
                Passage(
                    kind: .profile, key: "profile.bench[\(i)]", handoverID: nil, title: vocabulary.text(words: 4, &random),
                    text: vocabulary.text(words: Int.random(in: 20...60, using: &random), &random), link: "/accounts/\(id)")
            }
            try await store.replacePassages(passages, accountID: id, organizationID: org, fingerprint: fingerprint, at: Date())
            if (n + 1) % 1_000 == 0 { log("  \(engine): \((n + 1) * perAccount) passages…") }
        }
        let seedSeconds = BenchDeparture.seconds(since: seedStart)
        if engine == "postgres" { try await store.database.withSession { db in try await db.raw("ANALYZE passages").run() } }

        let services = Services(store: store, logKeys: try LogKeys(secret: Array(repeating: 42, count: 32)))
        let asked = (0..<questions).map { _ in (ids.randomElement(using: &random)!, vocabulary.text(words: Int.random(in: 2...6, using: &random), &random)) }
        // One untimed pass warms the caches of both paths alike.
        for (id, question) in asked.prefix(50) { _ = try await services.answers.answer(accountID: id, question: question, by: admin) }
        var timings: [Double] = []
        var found = 0
        for (id, question) in asked {
            let start = ContinuousClock.now
            let answer = try await services.answers.answer(accountID: id, question: question, by: admin)
            timings.append(BenchDeparture.seconds(since: start) * 1000)
            if !answer.passages.isEmpty { found += 1 }
        }
        var raw: [(String, Percentiles)] = []
        for (name, sql) in rawQueries(engine) {
            var millis: [Double] = []
            for (id, question) in asked {
                guard let terms = SearchTerms(question: question) else { continue }
                let statement = sql(id, terms)
                let start = ContinuousClock.now
                _ = try await store.database.withSession { db in try await db.raw(statement).all().count }
                millis.append(BenchDeparture.seconds(since: start) * 1000)
            }
            raw.append((name, Percentiles(millis)))
        }
        return Figures(
            passages: accounts * perAccount, seedSeconds: seedSeconds, service: Percentiles(timings), raw: raw,
            foundShare: Double(found) / Double(asked.count))
    }

    /// The bare engine queries, by name, for an account and its words.
    func rawQueries(_ engine: String) -> [(String, @Sendable (String, SearchTerms) -> SQLQueryString)] {
        if engine == "sqlite" {
            return [
                (
                    "FTS5 MATCH alone",
                    { id, terms in
                        "SELECT rowid FROM passage_index WHERE passage_index MATCH \(bind: terms.fts5Match(scope: SearchTerms.scopeToken(accountID: id)))"
                    }
                ),
                (
                    "FTS5 MATCH by its bm25(), best 5",
                    { id, terms in
                        """
                        SELECT rowid FROM passage_index WHERE passage_index MATCH \(bind: terms.fts5Match(scope: SearchTerms.scopeToken(accountID: id)))
                        ORDER BY bm25(passage_index) LIMIT 5
                        """
                    }
                ),
            ]
        }
        return [
            (
                "tsvector match by ts_rank, best 5",
                { id, terms in
                    let query = terms.words.joined(separator: " | ")
                    return """
                        SELECT id FROM passages WHERE account_id = \(bind: id) AND words @@ to_tsquery('english', \(bind: query))
                        ORDER BY ts_rank(words, to_tsquery('english', \(bind: query))) DESC LIMIT 5
                        """
                }
            )
        ]
    }

    func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}
