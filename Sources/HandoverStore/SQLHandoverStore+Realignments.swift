import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// A realignment as stored: what was asked and what was applied (Docs/Departures.md, "Realignment").
public struct RealignmentRecord: Sendable, Hashable {
    public var id: String
    public var organizationID: String
    /// `csv` or `rules`.
    public var source: String
    /// The request as sent (JSON, the CSV included).
    public var request: String
    /// The `RealignmentSummary` (JSON), the response replayed for its idempotency key.
    public var summary: String
    public var createdBy: String
    public var createdAt: Date

    public init(id: String, organizationID: String, source: String, request: String, summary: String, createdBy: String, createdAt: Date) {
        self.id = id
        self.organizationID = organizationID
        self.source = source
        self.request = request
        self.summary = summary
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// What a realignment's apply writes, in one transaction.
public struct RealignmentWrite: Sendable {
    public var record: RealignmentRecord
    public var handovers: BulkHandovers
    /// Accounts skipped for a conflict (for the `realignment.applied` event).
    public var skipped: Int
    public var idempotency: IdempotencyCompletion?

    public init(record: RealignmentRecord, handovers: BulkHandovers, skipped: Int, idempotency: IdempotencyCompletion?) {
        self.record = record
        self.handovers = handovers
        self.skipped = skipped
        self.idempotency = idempotency
    }
}

/// What the store read for the realignment planner.
public struct RealignmentInputs: Sendable {
    public var accounts: [RealignmentAccount]
    /// Account id → the recipient of its open handover (one at most: the store's index).
    public var openHandovers: [String: String]
    /// Per member id: accounts owned plus open handovers received (the departure's load).
    public var load: [String: Int]
}

extension SQLHandoverStore {
    /// The organization's accounts (those `owners` own, when given), the accounts with an open
    /// handover, and every member's load.
    public func realignmentInputs(organizationID: String, owners: [String]) async throws -> RealignmentInputs {
        try await database.withSession { db in
            var query = SQLQueryString("SELECT a.id, a.name, a.kind, a.owner_id, a.profile FROM accounts a WHERE a.organization_id = \(bind: organizationID)")
            if !owners.isEmpty { query += " AND a.owner_id IN (\(binds: owners))" }
            query += " ORDER BY a.name, a.id"
            let rows = try await db.raw(query).all()
            let facts = try await PlanningProfile.decodeAll(try rows.map { try $0.decode(column: "profile", as: String.self) })
            let accounts = try zip(rows, facts).map { row, facts in
                RealignmentAccount(
                    id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
                    kind: AccountKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .customer,
                    ownerID: try row.decode(column: "owner_id", as: String.self), tags: facts.tags ?? [], openItemOwners: facts.openItems?.map(\.owner) ?? [])
            }
            var open: [String: String] = [:]
            for row in try await db.raw(
                """
                SELECT account_id, recipient_id FROM handovers WHERE organization_id = \(bind: organizationID)
                  AND state IN (\(binds: HandoverState.openStates.map(\.rawValue)))
                """
            ).all() {
                open[try row.decode(column: "account_id", as: String.self)] = try row.decode(column: "recipient_id", as: String.self)
            }
            return RealignmentInputs(accounts: accounts, openHandovers: open, load: try await Self.memberLoad(organizationID: organizationID, db))
        }
    }

    /// Per member id: accounts owned plus open handovers received.
    static func memberLoad(organizationID: String, _ db: any SQLDatabase) async throws -> [String: Int] {
        var load: [String: Int] = [:]
        for row in try await db.raw(
            "SELECT owner_id AS m, COUNT(*) AS n FROM accounts WHERE organization_id = \(bind: organizationID) GROUP BY owner_id"
        ).all() {
            load[try row.decode(column: "m", as: String.self), default: 0] += try row.decode(column: "n", as: Int.self)
        }
        for row in try await db.raw(
            """
            SELECT recipient_id AS m, COUNT(*) AS n FROM handovers WHERE organization_id = \(bind: organizationID)
              AND state IN (\(binds: HandoverState.openStates.map(\.rawValue))) GROUP BY recipient_id
            """
        ).all() {
            load[try row.decode(column: "m", as: String.self), default: 0] += try row.decode(column: "n", as: Int.self)
        }
        return load
    }

    /// Everything of one realignment in ONE transaction: its row, the recipients re-checked,
    /// the handovers (each account re-checked to be still owned by whom the plan said; an open
    /// handover made meanwhile breaks the one-open-handover index), the audit entries, the
    /// `realignment.applied` event and the idempotency key's response. A failure leaves nothing.
    public func applyRealignment(_ change: RealignmentWrite) async throws {
        try await write("an account of this realignment got an open handover meanwhile: preview again") { db in
            let record = change.record
            try await db.raw(
                """
                INSERT INTO realignments (id, organization_id, source, request, summary, created_by, created_at)
                VALUES (\(bind: record.id), \(bind: record.organizationID), \(bind: record.source), \(bind: record.request), \(bind: record.summary),
                        \(bind: record.createdBy), \(bind: record.createdAt.millis))
                """
            ).run()
            try await Self.checkActiveRecipients(
                Set(change.handovers.lines.map(\.recipientID)), organizationID: record.organizationID, db,
                conflict: "a new owner in this realignment was deactivated, made an auditor or removed meanwhile: preview again")
            try await Self.writeBulkHandovers(change.handovers, db)
            _ = try await Self.appendAudit(
                [
                    AuditRecord(
                        action: "realignment.apply", target: "realignment:\(record.id)", digest: Hex.sha256(Data((record.request + record.summary).utf8)))
                ], organizationID: record.organizationID, actor: change.handovers.actor, at: change.handovers.at, db)
            try await Self.emitWebhooks(
                [
                    WebhookEvent(
                        organizationID: record.organizationID, type: WebhookEventType.realignmentApplied, timestamp: change.handovers.at,
                        data: [
                            "realignment": record.id, "source": record.source, "handoversCreated": String(change.handovers.lines.count),
                            "skipped": String(change.skipped), "actor": record.createdBy,
                        ])
                ], db)
            if let completion = change.idempotency { try await Self.complete(completion, db) }
        }
    }

    static func decodeRealignment(_ row: any SQLRow) throws -> RealignmentRecord {
        RealignmentRecord(
            id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
            source: try row.decode(column: "source", as: String.self), request: try row.decode(column: "request", as: String.self),
            summary: try row.decode(column: "summary", as: String.self), createdBy: try row.decode(column: "created_by", as: String.self),
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)))
    }

    /// Without its request (a CSV of 16 MiB is not read to show what it did).
    public func realignment(id: String, organizationID: String) async throws -> RealignmentRecord? {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT id, organization_id, source, '' AS request, summary, created_by, created_at FROM realignments
                WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)
                """
            ).first().map(Self.decodeRealignment)
        }
    }

    /// Newest first; without the request (a CSV of 100,000 rows is not read to list it).
    public func realignments(organizationID: String, limit: Int) async throws -> [RealignmentRecord] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT id, organization_id, source, '' AS request, summary, created_by, created_at FROM realignments
                WHERE organization_id = \(bind: organizationID) ORDER BY created_at DESC, id DESC LIMIT \(bind: max(1, min(limit, 1000)))
                """
            ).all().map(Self.decodeRealignment)
        }
    }

    /// The apply writes the row and its handovers at one time, and notes itself on their events.
    public func realignmentHandovers(_ record: RealignmentRecord, limit: Int) async throws -> [Handover] {
        try await database.withSession { db in
            try await Self.bulkHandovers(organizationID: record.organizationID, eventNote: "realignment \(record.id)", at: record.createdAt, limit: limit, db)
        }
    }
}
