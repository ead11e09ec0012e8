import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// One handover of a bulk write (a departure, a realignment). Only ids and choices: its packet
/// is built by the store from the account's profile, a chunk at a time inside the transaction,
/// so 100,000 accounts never hold every profile and packet in memory at once.
public struct BulkHandoverLine: Sendable, Hashable {
    public var handoverID: String
    public var eventID: String
    public var accountID: String
    public var templateKey: String
    public var templateVersion: Int
    /// The account's owner when planned: the transferor, and whose open items the packet gives
    /// away. The write re-checks that they still own it.
    public var ownerID: String
    public var recipientID: String
    /// Said on the `create` event after the batch's note (a realignment row's note).
    public var note: String?

    public init(
        handoverID: String, eventID: String, accountID: String, templateKey: String, templateVersion: Int, ownerID: String, recipientID: String,
        note: String? = nil
    ) {
        self.handoverID = handoverID
        self.eventID = eventID
        self.accountID = accountID
        self.templateKey = templateKey
        self.templateVersion = templateVersion
        self.ownerID = ownerID
        self.recipientID = recipientID
        self.note = note
    }
}

/// Draft handovers in bulk, one per account, from its current owner: what a departure and a
/// realignment write, inside their own transaction.
public struct BulkHandovers: Sendable {
    public var organizationID: String
    public var lines: [BulkHandoverLine]
    /// Owner id → member, for the packets' open items (owner text equal to their name or email).
    public var owners: [String: Member]
    /// Recipient id → name, for the packets' reassigned open items.
    public var recipientNames: [String: String]
    /// Who the `create` events name.
    public var actorID: String
    /// On every `create` event ("departure ID", "realignment ID"): how the batch's handovers are found again.
    public var eventNote: String
    public var actor: AuditActor
    public var at: Date

    public init(
        organizationID: String, lines: [BulkHandoverLine], owners: [String: Member], recipientNames: [String: String], actorID: String, eventNote: String,
        actor: AuditActor, at: Date
    ) {
        self.organizationID = organizationID
        self.lines = lines
        self.owners = owners
        self.recipientNames = recipientNames
        self.actorID = actorID
        self.eventNote = eventNote
        self.actor = actor
        self.at = at
    }
}

/// An account row as a chunk reads it, before its profile is decoded (off the database's thread).
struct StoredAccount: Sendable {
    var name: String
    var kind: String
    var ownerID: String
    var profile: String
    var version: Int
    var createdAt: Int64
    var updatedAt: Int64
}

/// A pre-filled packet, encoded once for the stored text and the audit digest.
struct BulkPacket: Sendable {
    var json: String
    var digest: String
}

extension SQLHandoverStore {
    /// Accounts per chunk: read their profiles, build and encode their packets, insert them,
    /// their events and audit entries, then let them go. Bounds the memory of a large apply
    /// (Docs/Departures.md has the figures).
    static let bulkChunk = 2_000
    /// Rows per multi-row INSERT (12 binds a handover: well under both engines' limits).
    static let bulkInsertBatch = 500

    /// Every handover of `bulk`, in the caller's transaction. A pipeline on two threads: while
    /// one chunk's rows are written on the database's thread, the next chunk's packets are built
    /// (decode, pre-fill, encode, hash) on another, so a 2-core machine does both at once.
    /// Reads and writes stay in order, on the one transaction.
    static func writeBulkHandovers(_ bulk: BulkHandovers, _ db: any SQLDatabase) async throws {
        var pending: (lines: ArraySlice<BulkHandoverLine>, packets: Task<[BulkPacket], any Error>)?
        for start in stride(from: 0, to: bulk.lines.count, by: bulkChunk) {
            let lines = bulk.lines[start..<min(start + bulkChunk, bulk.lines.count)]
            let rows = try await readBulkChunk(bulk, lines, db)
            let packets = Task.detached { try Self.bulkPackets(bulk, lines, rows) }
            if let pending { try await Self.writeBulkChunk(bulk, pending.lines, try await pending.packets.value, db) }
            pending = (lines, packets)
        }
        if let pending { try await Self.writeBulkChunk(bulk, pending.lines, try await pending.packets.value, db) }
    }

    /// The plan was made outside the transaction: every one of `ids` must still be an active,
    /// non-auditor member of the organization now (one COUNT per 500 distinct ids).
    static func checkActiveRecipients(_ ids: Set<String>, organizationID: String, _ db: any SQLDatabase, conflict: String) async throws {
        let recipients = ids.sorted()
        for start in stride(from: 0, to: recipients.count, by: bulkInsertBatch) {
            let ids = Array(recipients[start..<min(start + bulkInsertBatch, recipients.count)])
            let active =
                try await db.raw(
                    """
                    SELECT COUNT(*) AS n FROM members WHERE organization_id = \(bind: organizationID) AND id IN (\(binds: ids))
                      AND deactivated_at IS NULL AND role <> \(bind: Role.auditor.rawValue)
                    """
                ).first()?.decode(column: "n", as: Int.self) ?? 0
            if active != ids.count { throw StoreError.conflict(conflict) }
        }
    }

    /// A chunk's accounts as stored now: one whose owner is no longer the planned one changed
    /// hands since the plan, a conflict that rolls the whole apply back.
    /// Looked up by id alone, the organization compared here: with `organization_id = ?` in the
    /// WHERE, SQLite's planner scans the organization's index (every account of it) for each
    /// chunk, 50 times over for 100,000 accounts (2.6 s of a departure's apply, against 0.4 s).
    static func readBulkChunk(_ bulk: BulkHandovers, _ lines: ArraySlice<BulkHandoverLine>, _ db: any SQLDatabase) async throws -> [String: StoredAccount] {
        var accounts: [String: StoredAccount] = [:]
        accounts.reserveCapacity(lines.count)
        for row in try await db.raw(
            """
            SELECT a.id, a.organization_id, a.name, a.kind, a.owner_id, a.profile, a.version, a.created_at, a.updated_at FROM accounts a
            WHERE a.id IN (\(binds: lines.map(\.accountID)))
            """
        ).all() {
            guard try row.decode(column: "organization_id", as: String.self) == bulk.organizationID else { continue }
            let id = try row.decode(column: "id", as: String.self)
            accounts[id] = StoredAccount(
                name: try row.decode(column: "name", as: String.self), kind: try row.decode(column: "kind", as: String.self),
                ownerID: try row.decode(column: "owner_id", as: String.self), profile: try row.decode(column: "profile", as: String.self),
                version: try row.decode(column: "version", as: Int.self), createdAt: try row.decode(column: "created_at", as: Int64.self),
                updatedAt: try row.decode(column: "updated_at", as: Int64.self))
        }
        if let moved = lines.first(where: { accounts[$0.accountID]?.ownerID != $0.ownerID }) {
            let owner = bulk.owners[moved.ownerID]?.name ?? moved.ownerID
            throw StoreError.conflict("account \(accounts[moved.accountID]?.name ?? moved.accountID) is no longer owned by \(owner): preview again")
        }
        return accounts
    }

    /// Each line's pre-filled packet as canonical JSON (stored as is) and its digest (for the
    /// audit entry): pure work, off the database's thread.
    static func bulkPackets(_ bulk: BulkHandovers, _ lines: ArraySlice<BulkHandoverLine>, _ rows: [String: StoredAccount]) throws -> [BulkPacket] {
        try lines.map { line in
            let row = rows[line.accountID]!
            let account = Account(
                id: line.accountID, organizationID: bulk.organizationID, name: row.name, kind: AccountKind(rawValue: row.kind) ?? .customer,
                ownerID: row.ownerID, profile: try JSONCoding.decode(AccountProfile.self, from: row.profile), version: row.version,
                createdAt: Date(millis: row.createdAt), updatedAt: Date(millis: row.updatedAt))
            let owner =
                bulk.owners[line.ownerID]
                ?? Member(id: line.ownerID, organizationID: bulk.organizationID, email: "", name: "", role: .member, createdAt: bulk.at)
            let content = DeparturePlanner.prefill(
                account: account, templateKey: line.templateKey, leaver: owner, recipientName: bulk.recipientNames[line.recipientID] ?? "")
            let bytes = try CanonicalJSON.encode(JSONValue.object(content.sections.mapValues { JSONValue.object($0) }))
            return BulkPacket(json: String(decoding: bytes, as: UTF8.self), digest: Hex.sha256(bytes))
        }
    }

    /// A chunk's handovers, their `create` events (multi-row inserts), their access plans and
    /// their audit entries.
    static func writeBulkChunk(_ bulk: BulkHandovers, _ lines: ArraySlice<BulkHandoverLine>, _ encoded: [BulkPacket], _ db: any SQLDatabase) async throws {
        let org = bulk.organizationID
        let at = bulk.at.millis
        for start in stride(from: lines.startIndex, to: lines.endIndex, by: bulkInsertBatch) {
            let batch = start..<min(start + bulkInsertBatch, lines.endIndex)
            var handovers = SQLQueryString(
                """
                INSERT INTO handovers (id, organization_id, account_id, template_key, template_version, transferor_id, recipient_id,
                    state, content, version, created_at, updated_at) VALUES
                """)
            var events = SQLQueryString(
                "INSERT INTO handover_events (id, handover_id, organization_id, actor_id, event, handover_version, from_state, to_state, note, at) VALUES ")
            for index in batch {
                let line = lines[index]
                if index > start {
                    handovers += ", "
                    events += ", "
                }
                let note = line.note.map { "\(bulk.eventNote): \($0)" } ?? bulk.eventNote
                handovers += """
                    (\(bind: line.handoverID), \(bind: org), \(bind: line.accountID), \(bind: line.templateKey), \(bind: line.templateVersion), \(bind: line.ownerID),
                     \(bind: line.recipientID), \(bind: HandoverState.draft.rawValue), \(bind: encoded[index - lines.startIndex].json), 1, \(bind: at), \(bind: at))
                    """
                events += """
                    (\(bind: line.eventID), \(bind: line.handoverID), \(bind: org), \(bind: bulk.actorID), 'create', 1, NULL, \(bind: HandoverState.draft.rawValue),
                     \(bind: note), \(bind: at))
                    """
            }
            try await db.raw(handovers).run()
            try await db.raw(events).run()
        }
        let records = lines.indices.map { index in
            AuditRecord(action: "handover.create", target: "handover:\(lines[index].handoverID)", digest: encoded[index - lines.startIndex].digest)
        }
        let plans = try await drawBulkAccessPlans(bulk, lines, db)
        _ = try await appendAudit(records + plans, organizationID: org, actor: bulk.actor, at: bulk.at, db)
    }

    /// Each line's access plan, drawn as `AccessService.draw` draws one: for every active grant
    /// the account's owner holds on it, a revoke line for the owner and a grant line for the
    /// recipient, so the leaver's (or the old owner's) access moves with the account. Their ids
    /// are derived from the handover's and the grant's (unique, as the plan's index is), and
    /// their audit entries returned for the chunk's one append.
    static func drawBulkAccessPlans(_ bulk: BulkHandovers, _ lines: ArraySlice<BulkHandoverLine>, _ db: any SQLDatabase) async throws -> [AuditRecord] {
        var held: [String: [(id: String, holder: String, system: String, role: String)]] = [:]
        for row in try await db.raw(
            """
            SELECT id, account_id, holder_id, system, role FROM access_grants
            WHERE organization_id = \(bind: bulk.organizationID) AND account_id IN (\(binds: lines.map(\.accountID)))
              AND revoked_at IS NULL AND holder_id IS NOT NULL
            ORDER BY account_id, created_at, id
            """
        ).all() {
            held[try row.decode(column: "account_id", as: String.self), default: []].append(
                (
                    try row.decode(column: "id", as: String.self), try row.decode(column: "holder_id", as: String.self),
                    try row.decode(column: "system", as: String.self), try row.decode(column: "role", as: String.self)
                ))
        }
        guard !held.isEmpty else { return [] }
        var plan: [AccessPlanLine] = []
        for line in lines {
            var position = 0
            for grant in held[line.accountID] ?? [] where grant.holder == line.ownerID {
                for (kind, member) in [(AccessPlanLine.Kind.revoke, line.ownerID), (.grant, line.recipientID)] {
                    position += 1
                    plan.append(
                        AccessPlanLine(
                            id: "\(line.handoverID)-\(kind.rawValue)-\(grant.id)", handoverID: line.handoverID, organizationID: bulk.organizationID, kind: kind,
                            system: grant.system, role: grant.role, memberID: member, grantID: grant.id, position: position, createdAt: bulk.at))
                }
            }
        }
        for start in stride(from: 0, to: plan.count, by: bulkInsertBatch) {
            var insert = SQLQueryString(
                "INSERT INTO access_plan_lines (id, handover_id, organization_id, kind, system, role, member_id, grant_id, status, position, created_at) VALUES ")
            for (offset, line) in plan[start..<min(start + bulkInsertBatch, plan.count)].enumerated() {
                if offset > 0 { insert += ", " }
                insert += """
                    (\(bind: line.id), \(bind: line.handoverID), \(bind: line.organizationID), \(bind: line.kind.rawValue), \(bind: line.system), \(bind: line.role),
                     \(bind: line.memberID), \(bind: line.grantID), 'pending', \(bind: line.position), \(bind: bulk.at.millis))
                    """
            }
            try await db.raw(insert).run()
        }
        return try plan.map { AuditRecord(action: "access.plan.add", target: "handover:\($0.handoverID)", digest: try lineDigest($0)) }
    }

    /// The handovers a bulk write created (without their content), found by its `create`
    /// events' note and its time, at most `limit`. `transferorID` (a departure's leaver) lets
    /// the read use the transferor's index; a realignment's (many transferors) reads the
    /// organization's handovers. No index on the creation time: every handover insert would
    /// pay for it, and a 100,000-account apply measured slower with one (Docs/Departures.md).
    static func bulkHandovers(
        organizationID: String, transferorID: String? = nil, eventNote: String, at: Date, limit: Int, _ db: any SQLDatabase
    ) async throws -> [Handover] {
        let columns = Self.handoverColumnsWithoutContent
        var query = SQLQueryString(
            """
            SELECT \(unsafeRaw: columns) FROM handovers h
            JOIN handover_events e ON e.handover_id = h.id AND e.event = 'create' AND (e.note = \(bind: eventNote) OR e.note LIKE \(bind: eventNote + ": %"))
            WHERE h.organization_id = \(bind: organizationID) AND h.created_at = \(bind: at.millis)
            """)
        if let transferorID { query += " AND h.transferor_id = \(bind: transferorID)" }
        query += " ORDER BY h.id LIMIT \(bind: max(1, min(limit, 1000)))"
        return try await db.raw(query).all().map(Self.decodeHandover)
    }
}
