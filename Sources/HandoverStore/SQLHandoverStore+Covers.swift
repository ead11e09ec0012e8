import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// How a cover ended, as `endCover` applied it.
public struct CoverOutcome: Sendable, Hashable {
    public var cover: Cover
    public var ending: CoverEnding
    /// The handback handover, when one was drafted.
    public var handback: Handover?
}

extension SQLHandoverStore {
    static let coverColumns = "id, organization_id, account_id, owner_id, coverer_id, until, handover_id, handback_id, state, reason, created_by, created_at, ended_at"

    static func decodeCover(_ row: any SQLRow) throws -> Cover {
        Cover(
            id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
            accountID: try row.decode(column: "account_id", as: String.self), ownerID: try row.decode(column: "owner_id", as: String.self),
            covererID: try row.decode(column: "coverer_id", as: String.self),
            until: CalendarDate(try row.decode(column: "until", as: String.self)) ?? CalendarDate(Date()),
            handoverID: try row.decode(column: "handover_id", as: String.self), handbackID: try row.decode(column: "handback_id", as: String?.self),
            state: Cover.State(rawValue: try row.decode(column: "state", as: String.self)) ?? .active, reason: try row.decode(column: "reason", as: String?.self),
            createdBy: try row.decode(column: "created_by", as: String.self), createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
            endedAt: try row.decode(column: "ended_at", as: Int64?.self).map(Date.init(millis:)))
    }

    /// The cover handover and the cover, with the profile as it is now (what the handback
    /// compares with), and the job that ends it on its day: one transaction.
    public func createCover(_ cover: Cover, snapshot: AccountProfile, handover: Handover, record: HandoverEventRecord, job: NewJob) async throws {
        try await write("account \(handover.accountID) already has an open handover: finish or cancel it first") { db in
            try await Self.insertHandover(handover, record: record, db)
            try await db.raw(
                """
                INSERT INTO covers (id, organization_id, account_id, owner_id, coverer_id, until, handover_id, state, snapshot, created_by, created_at)
                VALUES (\(bind: cover.id), \(bind: cover.organizationID), \(bind: cover.accountID), \(bind: cover.ownerID), \(bind: cover.covererID),
                        \(bind: cover.until.description), \(bind: cover.handoverID), 'active', \(bind: try JSONCoding.encode(snapshot)), \(bind: cover.createdBy),
                        \(bind: cover.createdAt.millis))
                """
            ).run()
            try await Self.appendAudit(
                [AuditRecord(action: "cover.start", target: "cover:\(cover.id)", digest: try CanonicalJSON.digest(cover))],
                organizationID: cover.organizationID, actor: AuditActor(member: cover.createdBy), at: cover.createdAt, db)
            try await Self.enqueue([job], at: cover.createdAt, db)
        }
    }

    public func cover(id: String, organizationID: String) async throws -> Cover? {
        try await database.withSession { db in
            try await db.raw("SELECT \(unsafeRaw: Self.coverColumns) FROM covers WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)")
                .first().map(Self.decodeCover)
        }
    }

    /// Newest first; `memberID` narrows to the covers they are away from or cover, `accountID`
    /// to one account's.
    public func covers(organizationID: String, memberID: String?, accountID: String?, limit: Int) async throws -> [Cover] {
        try await database.withSession { db in
            var query = SQLQueryString("SELECT \(unsafeRaw: Self.coverColumns) FROM covers WHERE organization_id = \(bind: organizationID)")
            if let memberID { query += " AND (owner_id = \(bind: memberID) OR coverer_id = \(bind: memberID))" }
            if let accountID { query += " AND account_id = \(bind: accountID)" }
            query += " ORDER BY created_at DESC, id DESC LIMIT \(bind: max(1, min(limit, 1000)))"
            return try await db.raw(query).all().map(Self.decodeCover)
        }
    }

    /// Ends a cover (its day came, or someone ended it early), in one transaction: what it does
    /// is decided by `CoverRules.ending` on the rows read here, and written here. A blocked one
    /// (`retryIfBlocked`, the day's job) writes only its reason and a retry of its job an hour
    /// on; blocked without it (a person ending it early) is a conflict that writes nothing.
    /// `handbackID`/`eventID`: the ids of a handback, if one is drafted.
    public func endCover(
        id: String, organizationID: String, handbackID: String, eventID: String, retryIfBlocked: Bool, at now: Date, by actor: AuditActor
    ) async throws -> CoverOutcome {
        // PostgreSQL: every end of a cover of one account (two covers' days at once, the job and
        // an early end) takes its turn on the account's row, so each reads what the other wrote.
        let lock = database.engine == .postgres ? " FOR UPDATE" : ""
        return try await write("the account got an open handover meanwhile: try again") { db in
            guard
                let cover = try await db.raw(
                    "SELECT \(unsafeRaw: Self.coverColumns) FROM covers WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)"
                ).first().map(Self.decodeCover)
            else { throw StoreError.notFound("cover \(id)") }
            _ = try await db.raw("SELECT id FROM accounts WHERE id = \(bind: cover.accountID)\(unsafeRaw: lock)").first()
            let active = try await db.raw(
                """
                SELECT \(unsafeRaw: Self.coverColumns) FROM covers WHERE organization_id = \(bind: organizationID) AND account_id = \(bind: cover.accountID)
                  AND state = 'active' ORDER BY created_at, id
                """
            ).all().map(Self.decodeCover)
            let coverHandover = try await db.raw("SELECT state FROM handovers WHERE id = \(bind: cover.handoverID)").first()
                .flatMap { try HandoverState(rawValue: $0.decode(column: "state", as: String.self)) }
            guard
                let accountRow = try await db.raw(
                    "SELECT name, kind, owner_id, profile, version, created_at, updated_at FROM accounts WHERE id = \(bind: cover.accountID)"
                ).first()
            else { throw StoreError.notFound("account \(cover.accountID)") }
            let ownerID = try accountRow.decode(column: "owner_id", as: String.self)
            let open = try await Self.openHandoverID(accountID: cover.accountID, organizationID: organizationID, db)
            let owner = try await db.raw("SELECT \(unsafeRaw: Self.memberColumns) FROM members m WHERE m.id = \(bind: cover.ownerID)").first()
                .map(Self.decodeMember)
            // Has the owner held it again since the cover began (handed back by hand, then maybe on)?
            let returned =
                try await db.raw(
                    """
                    SELECT owner_id FROM account_owners WHERE account_id = \(bind: cover.accountID) AND owner_id = \(bind: cover.ownerID)
                      AND owned_from > \(bind: cover.createdAt.millis) LIMIT 1
                    """
                ).first() != nil
            let ending = CoverRules.ending(
                cover, active: active, coverHandover: coverHandover, accountOwnerID: ownerID, returnedToOwner: returned, owner: owner, openHandoverID: open)

            var ended = cover
            ended.endedAt = now
            var handback: Handover?
            var superseded: [Cover] = []
            switch ending {
            case .none:
                return CoverOutcome(cover: cover, ending: ending, handback: nil)
            case .blocked(let handoverID):
                // A person ending it early is told; nothing is written, nothing retried behind them.
                guard retryIfBlocked else {
                    throw StoreError.conflict(
                        handoverID == cover.handoverID
                            ? "the cover handover \(handoverID) is still open: nothing has moved yet; cancel it, or complete it and end the cover then"
                            : "handover \(handoverID) of the account is open: finish or cancel it, then end the cover")
                }
                ended.endedAt = nil
                ended.reason = "handover \(handoverID) of the account is open: the cover ends when it is finished or cancelled (tried again every hour)"
                try await db.raw("UPDATE covers SET reason = \(bind: ended.reason) WHERE id = \(bind: id)").run()
                try await Self.enqueue(
                    [
                        NewJob(
                            organizationID: organizationID, kind: JobKind.coverEnd, payload: #"{"cover":"\#(id)"}"#, runAfter: now.addingTimeInterval(3_600),
                            dedupeKey: "\(JobKind.coverEnd):\(id):\(now.millis / 3_600_000)")
                    ], at: now, db)
                return CoverOutcome(cover: ended, ending: ending, handback: nil)
            case .cancelled:
                (ended.state, ended.reason) = (.cancelled, "its cover handover was cancelled")
            case .fail(let reason):
                (ended.state, ended.reason) = (.failed, reason)
            case .movedOn(let holderID):
                let holder = try await db.raw("SELECT name FROM members WHERE id = \(bind: holderID)").first()?.decode(column: "name", as: String.self)
                (ended.state, ended.reason) = (.cancelled, "the account went to \(holder ?? "someone else") by another handover meanwhile: nothing to hand back")
            case .alreadyBack(let above):
                (ended.state, ended.reason, superseded) = (.handedBack, "the account came back to its owner (or an older cover's owner) meanwhile", above)
            case .handback(let from, let above):
                superseded = above
                (ended.state, ended.reason, ended.handbackID) = (.handedBack, nil, handbackID)
                let coverHandover = try await db.raw("SELECT \(unsafeRaw: Self.handoverColumns) FROM handovers h WHERE h.id = \(bind: cover.handoverID)")
                    .first().map(Self.decodeHandover)
                let snapshot = try await db.raw("SELECT snapshot FROM covers WHERE id = \(bind: id)").first()?.decode(column: "snapshot", as: String.self)
                let holder = try await db.raw("SELECT \(unsafeRaw: Self.memberColumns) FROM members m WHERE m.id = \(bind: from)").first()
                    .map(Self.decodeMember)
                guard let coverHandover, let snapshot, let holder, let owner else { throw StoreError.damaged("cover \(id) names rows that are gone") }
                // Who covered, in order: this cover's coverer, then the chain above it up to the holder.
                var covererIDs = [cover.covererID]
                for other in above where covererIDs.last != from { covererIDs.append(other.covererID) }
                var names: [String: String] = [:]
                for row in try await db.raw("SELECT id, name FROM members WHERE id IN (\(binds: covererIDs))").all() {
                    names[try row.decode(column: "id", as: String.self)] = try row.decode(column: "name", as: String.self)
                }
                let account = Account(
                    id: cover.accountID, organizationID: organizationID, name: try accountRow.decode(column: "name", as: String.self),
                    kind: AccountKind(rawValue: try accountRow.decode(column: "kind", as: String.self)) ?? .customer, ownerID: from,
                    profile: try JSONCoding.decode(AccountProfile.self, from: try accountRow.decode(column: "profile", as: String.self)),
                    version: try accountRow.decode(column: "version", as: Int.self),
                    createdAt: Date(millis: try accountRow.decode(column: "created_at", as: Int64.self)),
                    updatedAt: Date(millis: try accountRow.decode(column: "updated_at", as: Int64.self)))
                let (content, summary) = CoverChanges.handbackContent(
                    account: account, before: try JSONCoding.decode(AccountProfile.self, from: snapshot), templateKey: coverHandover.templateKey,
                    holder: holder, owner: owner, coverers: covererIDs.map { names[$0] ?? $0 }, from: cover.createdAt, to: now)
                let made = Handover(
                    id: handbackID, organizationID: organizationID, accountID: cover.accountID, templateKey: coverHandover.templateKey,
                    templateVersion: coverHandover.templateVersion, transferorID: from, recipientID: cover.ownerID, content: content, createdAt: now,
                    updatedAt: now)
                var note = "handback of cover \(id)" + (above.isEmpty ? "" : "; it also ends \(above.map { "cover \($0.id)" }.joined(separator: ", "))")
                // A custom template has no summary field for what changed: the event says it.
                if CoverChanges.summaryField[coverHandover.templateKey] == nil { note += ". " + summary }
                try await Self.insertHandover(
                    made,
                    record: HandoverEventRecord(
                        id: eventID, handoverID: handbackID, organizationID: organizationID, actorID: from, event: "create", handoverVersion: 1, fromState: nil,
                        toState: .draft, note: note, at: now), db)
                handback = made
            }
            // Only from active: a concurrent run that ended it first makes this one write nothing.
            let moved = try await db.raw(
                """
                UPDATE covers SET state = \(bind: ended.state.rawValue), reason = \(bind: ended.reason), handback_id = \(bind: ended.handbackID),
                    ended_at = \(bind: now.millis)
                WHERE id = \(bind: id) AND state = 'active' RETURNING id
                """
            ).all()
            if moved.isEmpty { throw StoreError.conflict("cover \(id) was ended meanwhile") }
            var supersededNow: [Cover] = []
            for other in superseded {
                let moved = try await db.raw(
                    """
                    UPDATE covers SET state = 'superseded', reason = \(bind: "cover \(id) ended under it: the account went back to its owner"),
                        ended_at = \(bind: now.millis)
                    WHERE id = \(bind: other.id) AND state = 'active' RETURNING id
                    """
                ).all()
                if !moved.isEmpty { supersededNow.append(other) }
            }
            var records = [AuditRecord(action: "cover.end", target: "cover:\(id)", digest: try CanonicalJSON.digest(ended))]
            records += try supersededNow.map { AuditRecord(action: "cover.supersede", target: "cover:\($0.id)", digest: try CanonicalJSON.digest($0)) }
            try await Self.appendAudit(records, organizationID: organizationID, actor: actor, at: now, db)
            return CoverOutcome(cover: ended, ending: ending, handback: handback)
        }
    }
}

extension JobKind {
    /// End a cover on its day (payload `{"cover": id}`, organization set): draft the handback.
    /// Idempotent: an ended cover is left alone; a blocked one re-enqueues itself an hour on.
    public static let coverEnd = "cover.end"
}
