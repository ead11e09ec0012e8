import Foundation
import HandoverCore
import SQLKit

/// An account's record as it is now (`current`) and as its passages were last cut (`indexed`).
public struct PassageFingerprints: Sendable, Equatable {
    public var current: String
    public var indexed: String?

    public var isFresh: Bool { current == indexed }
}

/// A passage found for a question, with the engine's relevance (higher is better; comparable
/// only within one search).
public struct PassageHit: Sendable, Equatable {
    public var passage: Passage
    public var score: Double
}

extension SQLHandoverStore {
    /// Rises with every change that alters a passage: the account's version, its handovers'
    /// versions (content, synthesis), their threads' length and their briefings' versions. The
    /// leading number is the cut's own version: changing how passages are cut re-cuts them all.
    public func passageFingerprints(accountID: String, organizationID: String) async throws -> PassageFingerprints? {
        try await database.withSession { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT a.version AS account_version,
                        (SELECT count(*) FROM handovers h WHERE h.account_id = a.id) AS handovers,
                        (SELECT CAST(coalesce(sum(h.version), 0) AS BIGINT) FROM handovers h WHERE h.account_id = a.id) AS handover_versions,
                        (SELECT count(*) FROM handover_questions q JOIN handovers h ON h.id = q.handover_id WHERE h.account_id = a.id) AS questions,
                        (SELECT CAST(count(*) + coalesce(sum(b.version), 0) AS BIGINT) FROM briefings b JOIN handovers h ON h.id = b.handover_id
                            WHERE h.account_id = a.id) AS briefings,
                        (SELECT CAST(count(*) + coalesce(max(i.imported_at), 0) AS BIGINT) FROM imported_records i
                            WHERE i.account_id = a.id AND i.organization_id = a.organization_id) AS imported,
                        (SELECT s.fingerprint FROM passage_sources s WHERE s.account_id = a.id) AS indexed
                    FROM accounts a WHERE a.id = \(bind: accountID) AND a.organization_id = \(bind: organizationID)
                    """
                ).first()
            else { return nil }
            let parts = try ["account_version", "handovers", "handover_versions", "questions", "briefings", "imported"].map {
                String(try row.decode(column: $0, as: Int64.self))
            }
            return PassageFingerprints(
                current: "\(Self.passageCutVersion):" + parts.joined(separator: "."), indexed: try row.decode(column: "indexed", as: String?.self))
        }
    }

    /// 2: imported rows are passages too.
    static let passageCutVersion = 2

    public func handovers(accountID: String, organizationID: String) async throws -> [Handover] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.handoverColumns) FROM handovers h
                WHERE h.account_id = \(bind: accountID) AND h.organization_id = \(bind: organizationID) ORDER BY h.created_at, h.id
                """
            ).all().map(Self.decodeHandover)
        }
    }

    public func replacePassages(_ passages: [Passage], accountID: String, organizationID: String, fingerprint: String, at now: Date) async throws {
        let scope = SearchTerms.scopeToken(accountID: accountID)
        let engine = database.engine
        try await write { db in
            // Searches that found the record changed at once all re-cut it: the first to write
            // does, the others find its fingerprint and stop (on PostgreSQL they wait on its row).
            let lock: SQLQueryString = engine == .postgres ? " FOR UPDATE" : ""
            let current = try await db.raw("SELECT fingerprint FROM passage_sources WHERE account_id = \(bind: accountID)" + lock).first()
            if try current?.decode(column: "fingerprint", as: String.self) == fingerprint { return }
            // The upsert comes before the delete: on PostgreSQL its row lock makes two re-cuts of
            // an account never cut before take turns, so the second one's delete sees (and
            // removes) the first one's rows.
            try await db.raw(
                """
                INSERT INTO passage_sources (account_id, organization_id, fingerprint, indexed_at)
                VALUES (\(bind: accountID), \(bind: organizationID), \(bind: fingerprint), \(bind: now.millis))
                ON CONFLICT (account_id) DO UPDATE SET fingerprint = excluded.fingerprint, indexed_at = excluded.indexed_at
                """
            ).run()
            try await db.raw("DELETE FROM passages WHERE account_id = \(bind: accountID) AND organization_id = \(bind: organizationID)").run()
            for start in stride(from: 0, to: passages.count, by: Self.bulkInsertBatch) {
                var insert = SQLQueryString(
                    "INSERT INTO passages (organization_id, account_id, handover_id, kind, key, link, scope, title, body, length) VALUES ")
                for (i, p) in passages[start..<min(start + Self.bulkInsertBatch, passages.count)].enumerated() {
                    if i > 0 { insert += ", " }
                    insert += """
                        (\(bind: organizationID), \(bind: accountID), \(bind: p.handoverID), \(bind: p.kind.rawValue), \(bind: p.key), \(bind: p.link),
                         \(bind: scope), \(bind: p.title), \(bind: p.text), \(bind: SearchTerms.length(of: p.title) + SearchTerms.length(of: p.text)))
                        """
                }
                try await db.raw(insert).run()
            }
        }
    }

    public func searchPassages(accountID: String, organizationID: String, terms: SearchTerms, handoverIDs: [String]?, limit: Int) async throws -> [PassageHit] {
        switch database.engine {
        case .sqlite: try await searchFTS5(accountID: accountID, organizationID: organizationID, terms: terms, handoverIDs: handoverIDs, limit: limit)
        case .postgres: try await searchTSVector(accountID: accountID, organizationID: organizationID, terms: terms, handoverIDs: handoverIDs, limit: limit)
        }
    }

    /// FTS5 finds which of the account's passages hold each word in each column (its `scope`
    /// token ANDed in, so each lookup seeks within that account's postings: well under a
    /// millisecond at a million passages), and `BM25` ranks them here with the account's own
    /// counts. FTS5's `bm25()` would count every word's documents across the whole table on
    /// each query (measured at a million passages: a p95 of 98 ms, against 4.2 ms for a whole answer).
    /// Every count is of the passages the viewer may read, so a score says nothing of the rest.
    private func searchFTS5(accountID: String, organizationID: String, terms: SearchTerms, handoverIDs: [String]?, limit: Int) async throws -> [PassageHit] {
        let scope = SearchTerms.scopeToken(accountID: accountID)
        let readable = SQLQueryString("account_id = \(bind: accountID) AND organization_id = \(bind: organizationID)") + Self.visibility(handoverIDs)
        return try await database.withSession { db in
            guard let stats = try await db.raw("SELECT count(*) AS n, coalesce(avg(length), 1.0) AS average FROM passages p WHERE " + readable).first()
            else { return [] }
            let documents = Double(try stats.decode(column: "n", as: Int64.self))
            let averageLength = try stats.decode(column: "average", as: Double.self)
            // The readable passages with any of the words, and their lengths.
            var lengths: [Int64: Double] = [:]
            let anyWord = terms.fts5Match(scope: scope)
            for row in try await db.raw(
                "SELECT p.id, p.length FROM passages p WHERE p.id IN (SELECT rowid FROM passage_index WHERE passage_index MATCH \(bind: anyWord)) AND "
                    + readable
            ).all() {
                lengths[try row.decode(column: "id", as: Int64.self)] = Double(try row.decode(column: "length", as: Int.self))
            }
            guard !lengths.isEmpty else { return [] }
            // (word, column, passage) for every word in every column of the account's passages.
            var lookup = SQLQueryString("")
            for (i, word) in terms.words.enumerated() {
                for column in PassageColumn.allCases {
                    if !(i == 0 && column == .title) { lookup += " UNION ALL " }
                    let match = SearchTerms.fts5Match(scope: scope, word: word, column: column)
                    lookup += "SELECT \(bind: i) AS word, \(bind: column.rawValue) AS col, rowid AS id FROM passage_index WHERE passage_index MATCH \(bind: match)"
                }
            }
            var frequency: [Int64: [Int: Double]] = [:]  // passage → word → weighted frequency
            for row in try await db.raw(lookup).all() {
                let id = try row.decode(column: "id", as: Int64.self)
                guard lengths[id] != nil else { continue }
                let word = try row.decode(column: "word", as: Int.self)
                let weight = try row.decode(column: "col", as: String.self) == PassageColumn.title.rawValue ? BM25.titleWeight : 1
                frequency[id, default: [:]][word, default: 0] += weight
            }
            var containing: [Int: Double] = [:]
            for words in frequency.values { for word in words.keys { containing[word, default: 0] += 1 } }
            let idf = containing.mapValues { BM25.idf(documents: documents, containing: $0) }
            var scored: [(id: Int64, score: Double)] = []
            for (id, words) in frequency {
                var score = 0.0
                for (word, count) in words {
                    score += BM25.part(idf: idf[word] ?? 0, frequency: count, length: lengths[id] ?? 1, averageLength: averageLength)
                }
                scored.append((id, score))
            }
            let best = scored.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }.prefix(limit)
            let rows = try await db.raw(
                "SELECT id, kind, key, handover_id, title, body, link FROM passages WHERE id IN (\(binds: best.map(\.id)))"
            ).all()
            var byID: [Int64: any SQLRow] = [:]
            for row in rows { byID[try row.decode(column: "id", as: Int64.self)] = row }
            return try best.compactMap { entry in try byID[entry.id].map { try Self.hit($0, score: entry.score) } }
        }
    }

    /// `BM25` in SQL over the stored tsvectors, as SQLite's passages are ranked: `ts_rank` counts
    /// how often and where a word occurs but not how rare it is, which puts a common word in a
    /// short title above the one rare word that answers. Each matching passage's lexemes are
    /// unnested; a title occurrence (weight A) counts `titleWeight` times a body one (B); a
    /// word's document frequency is counted among the account's passages, as is the average length.
    private func searchTSVector(accountID: String, organizationID: String, terms: SearchTerms, handoverIDs: [String]?, limit: Int) async throws -> [PassageHit] {
        let words = terms.words.joined(separator: " ")
        let anyWord = terms.words.joined(separator: " | ")
        // Every count is of the passages the viewer may read, so a score says nothing of the rest.
        let visible = Self.visibility(handoverIDs)
        let query = SQLQueryString(
            """
            WITH terms AS (SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', \(bind: words)))),
            stats AS (
                SELECT count(*) AS n, coalesce(avg(length), 1) AS avglen FROM passages p
                WHERE p.account_id = \(bind: accountID) AND p.organization_id = \(bind: organizationID)\(visible)),
            postings AS (
                SELECT p.id, u.lexeme, p.length AS len,
                    (SELECT sum(CASE w WHEN 'A' THEN \(unsafeRaw: String(BM25.titleWeight)) ELSE 1 END) FROM unnest(u.weights) AS w) AS tf
                FROM passages p, unnest(p.words) AS u
                WHERE p.account_id = \(bind: accountID) AND p.organization_id = \(bind: organizationID)
                  AND p.words @@ to_tsquery('english', \(bind: anyWord)) AND u.lexeme IN (SELECT lexeme FROM terms)\(visible)),
            found AS (SELECT lexeme, count(*) AS d FROM postings GROUP BY lexeme),
            scored AS (
                SELECT p.id, sum(ln(1 + (s.n - f.d + 0.5) / (f.d + 0.5)) * p.tf * \(unsafeRaw: String(BM25.k1 + 1))
                    / (p.tf + \(unsafeRaw: String(BM25.k1)) * (\(unsafeRaw: String(1 - BM25.b)) + \(unsafeRaw: String(BM25.b)) * p.len / greatest(s.avglen, 1)))) AS score
                FROM postings p JOIN found f ON f.lexeme = p.lexeme CROSS JOIN stats s GROUP BY p.id)
            SELECT x.kind, x.key, x.handover_id, x.title, x.body, x.link, CAST(scored.score AS DOUBLE PRECISION) AS score
            FROM scored JOIN passages x ON x.id = scored.id
            ORDER BY score DESC, x.id LIMIT \(bind: limit)
            """)
        return try await database.withSession { db in
            try await db.raw(query).all().map { try Self.hit($0, score: try $0.decode(column: "score", as: Double.self)) }
        }
    }

    /// The passages (`p`) a viewer may read: the profile's, and those of `handoverIDs` (nil: all).
    private static func visibility(_ handoverIDs: [String]?) -> SQLQueryString {
        guard let handoverIDs else { return "" }
        guard !handoverIDs.isEmpty else { return " AND p.handover_id IS NULL" }
        return " AND (p.handover_id IS NULL OR p.handover_id IN (\(binds: handoverIDs)))"
    }

    private static func hit(_ row: any SQLRow, score: Double) throws -> PassageHit {
        let kind = try row.decode(column: "kind", as: String.self)
        guard let passageKind = PassageKind(rawValue: kind) else { throw StoreError.damaged("a passage of unknown kind \(kind)") }
        return PassageHit(
            passage: Passage(
                kind: passageKind, key: try row.decode(column: "key", as: String.self), handoverID: try row.decode(column: "handover_id", as: String?.self),
                title: try row.decode(column: "title", as: String.self), text: try row.decode(column: "body", as: String.self),
                link: try row.decode(column: "link", as: String.self)),
            score: score)
    }
}
