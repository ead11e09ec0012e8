import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// Pipelines, where each account stands in one, and every move between stages. Each write
/// appends its audit entry in its own transaction; a hand-off started by "advance" moves the
/// account in the transaction of the completion that gives the account its new owner
/// (`settleAdvance`, called from `apply`).
extension SQLHandoverStore {
    static let pipelineColumns = "id, organization_id, name, stages, version, created_at, updated_at"

    static func decodePipeline(_ row: any SQLRow) throws -> Pipeline {
        Pipeline(
            id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            stages: try JSONCoding.decode([PipelineStage].self, from: try row.decode(column: "stages", as: String.self)),
            version: try row.decode(column: "version", as: Int.self), createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Date(millis: try row.decode(column: "updated_at", as: Int64.self)))
    }

    private var lockRow: String { database.engine == .postgres ? " FOR UPDATE" : "" }

    public func createPipeline(_ pipeline: Pipeline, by actor: AuditActor) async throws {
        try await write("a pipeline named \(pipeline.name) already exists") { db in
            try await db.raw(
                """
                INSERT INTO pipelines (id, organization_id, name, stages, version, created_at, updated_at)
                VALUES (\(bind: pipeline.id), \(bind: pipeline.organizationID), \(bind: pipeline.name), \(bind: try JSONCoding.encode(pipeline.stages)),
                        \(bind: pipeline.version), \(bind: pipeline.createdAt.millis), \(bind: pipeline.updatedAt.millis))
                """
            ).run()
            try await Self.appendAudit(
                [AuditRecord(action: "pipeline.create", target: "pipeline:\(pipeline.id)", digest: try CanonicalJSON.digest(pipeline))],
                organizationID: pipeline.organizationID, actor: actor, at: pipeline.updatedAt, db)
        }
    }

    /// Saves a renamed or restaged pipeline if it is still at `expectedVersion`. A stage that
    /// accounts stand in (or that an open hand-off is heading to) cannot be removed: 409.
    public func updatePipeline(_ pipeline: Pipeline, expectedVersion: Int, by actor: AuditActor) async throws {
        let lock = lockRow
        try await write("a pipeline named \(pipeline.name) already exists") { db in
            let current = try await db.raw(
                "SELECT version FROM pipelines WHERE id = \(bind: pipeline.id) AND organization_id = \(bind: pipeline.organizationID)\(unsafeRaw: lock)"
            ).first()
            guard let current else { throw StoreError.notFound("pipeline \(pipeline.id)") }
            if try current.decode(column: "version", as: Int.self) != expectedVersion {
                throw StoreError.stale("pipeline \(pipeline.id) changed since version \(expectedVersion) was read")
            }
            let kept = pipeline.stages.map(\.id)
            let held = try await db.raw(
                """
                SELECT stage_id, COUNT(*) AS n FROM account_stages
                WHERE organization_id = \(bind: pipeline.organizationID) AND pipeline_id = \(bind: pipeline.id) AND stage_id NOT IN (\(binds: kept))
                GROUP BY stage_id
                """
            ).all()
            let heading = try await Self.openAdvances(pipelineID: pipeline.id, organizationID: pipeline.organizationID, db)
                .filter { !kept.contains($0.toStageID) || !kept.contains($0.fromStageID) }
            if let row = held.first {
                let stage = try row.decode(column: "stage_id", as: String.self), count = try row.decode(column: "n", as: Int.self)
                throw StoreError.conflict("stage \(stage) holds \(count) account\(count == 1 ? "" : "s"): move them to another stage before removing it")
            }
            if let advance = heading.first {
                throw StoreError.conflict("handover \(advance.handoverID) is handing an account into or out of a stage being removed: finish or cancel it first")
            }
            try await db.raw(
                """
                UPDATE pipelines SET name = \(bind: pipeline.name), stages = \(bind: try JSONCoding.encode(pipeline.stages)), version = \(bind: pipeline.version),
                    updated_at = \(bind: pipeline.updatedAt.millis)
                WHERE id = \(bind: pipeline.id) AND organization_id = \(bind: pipeline.organizationID)
                """
            ).run()
            try await Self.appendAudit(
                [AuditRecord(action: "pipeline.update", target: "pipeline:\(pipeline.id)", digest: try CanonicalJSON.digest(pipeline))],
                organizationID: pipeline.organizationID, actor: actor, at: pipeline.updatedAt, db)
        }
    }

    /// Deletes a pipeline that has never held an account; one with history keeps it (409).
    public func deletePipeline(id: String, organizationID: String, at now: Date, by actor: AuditActor) async throws {
        try await write { db in
            let used = try await db.raw(
                "SELECT id FROM stage_moves WHERE organization_id = \(bind: organizationID) AND pipeline_id = \(bind: id) LIMIT 1"
            ).first()
            if used != nil {
                throw StoreError.conflict("pipeline \(id) has held accounts and keeps their history: rename or restage it instead of deleting it")
            }
            let deleted = try await db.raw("DELETE FROM pipelines WHERE id = \(bind: id) AND organization_id = \(bind: organizationID) RETURNING id").all()
            if deleted.isEmpty { throw StoreError.notFound("pipeline \(id)") }
            try await Self.appendAudit(
                [AuditRecord(action: "pipeline.delete", target: "pipeline:\(id)", digest: try CanonicalJSON.digest(["pipeline": id]))],
                organizationID: organizationID, actor: actor, at: now, db)
        }
    }

    public func pipeline(id: String, organizationID: String) async throws -> Pipeline? {
        try await database.withSession { db in
            try await db.raw("SELECT \(unsafeRaw: Self.pipelineColumns) FROM pipelines WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)")
                .first().map(Self.decodePipeline)
        }
    }

    public func pipelines(organizationID: String) async throws -> [Pipeline] {
        try await database.withSession { db in
            try await db.raw("SELECT \(unsafeRaw: Self.pipelineColumns) FROM pipelines WHERE organization_id = \(bind: organizationID) ORDER BY name, id")
                .all().map(Self.decodePipeline)
        }
    }

    // MARK: Placements and moves

    static func decodePlacement(_ row: any SQLRow) throws -> StagePlacement {
        StagePlacement(
            accountID: try row.decode(column: "account_id", as: String.self), pipelineID: try row.decode(column: "pipeline_id", as: String.self),
            stageID: try row.decode(column: "stage_id", as: String.self), since: Date(millis: try row.decode(column: "since", as: Int64.self)))
    }

    public func stagePlacement(accountID: String, organizationID: String) async throws -> StagePlacement? {
        try await database.withSession { db in
            try await db.raw(
                "SELECT account_id, pipeline_id, stage_id, since FROM account_stages WHERE account_id = \(bind: accountID) AND organization_id = \(bind: organizationID)"
            ).first().map(Self.decodePlacement)
        }
    }

    /// Records `move` and puts the account at its stage, if the account still stands where the
    /// caller read it (`expected`, nil for "in no pipeline") and the stage still exists.
    public func moveAccount(_ move: StageMove, expected: StagePlacement?, by actor: AuditActor) async throws {
        let lock = lockRow
        try await write("account \(move.accountID) was placed meanwhile; reload and try again") { db in
            // The pipeline row locked on PostgreSQL, so an edit removing the stage waits for this move (and then sees it).
            let row = try await db.raw(
                "SELECT \(unsafeRaw: Self.pipelineColumns) FROM pipelines WHERE id = \(bind: move.pipelineID) AND organization_id = \(bind: move.organizationID)\(unsafeRaw: lock)"
            ).first()
            guard let pipeline = try row.map(Self.decodePipeline) else { throw StoreError.notFound("pipeline \(move.pipelineID)") }
            guard pipeline.stage(id: move.toStageID) != nil else { throw StoreError.stale("stage \(move.toStageID) was removed from \(pipeline.name) meanwhile") }
            if let expected {
                let updated = try await db.raw(
                    """
                    UPDATE account_stages SET pipeline_id = \(bind: move.pipelineID), stage_id = \(bind: move.toStageID), since = \(bind: move.at.millis)
                    WHERE account_id = \(bind: move.accountID) AND organization_id = \(bind: move.organizationID)
                      AND pipeline_id = \(bind: expected.pipelineID) AND stage_id = \(bind: expected.stageID)
                    RETURNING account_id
                    """
                ).all()
                if updated.isEmpty { throw StoreError.stale("account \(move.accountID) moved since it was read; reload and try again") }
            } else {
                try await db.raw(
                    """
                    INSERT INTO account_stages (account_id, organization_id, pipeline_id, stage_id, since)
                    VALUES (\(bind: move.accountID), \(bind: move.organizationID), \(bind: move.pipelineID), \(bind: move.toStageID), \(bind: move.at.millis))
                    """
                ).run()
            }
            try await Self.insertStageMove(move, by: actor, db)
        }
    }

    static func insertStageMove(_ move: StageMove, by actor: AuditActor, _ db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO stage_moves (id, organization_id, account_id, pipeline_id, kind, from_stage_id, to_stage_id, from_owner_id, to_owner_id,
                handover_id, actor_id, at)
            VALUES (\(bind: move.id), \(bind: move.organizationID), \(bind: move.accountID), \(bind: move.pipelineID), \(bind: move.kind.rawValue),
                    \(bind: move.fromStageID), \(bind: move.toStageID), \(bind: move.fromOwnerID), \(bind: move.toOwnerID), \(bind: move.handoverID),
                    \(bind: move.actorID), \(bind: move.at.millis))
            """
        ).run()
        try await appendAudit(
            [AuditRecord(action: "account.stage", target: "account:\(move.accountID)", digest: try CanonicalJSON.digest(move))],
            organizationID: move.organizationID, actor: actor, at: move.at, db)
    }

    static let stageMoveColumns = "id, organization_id, account_id, pipeline_id, kind, from_stage_id, to_stage_id, from_owner_id, to_owner_id, handover_id, actor_id, at"

    static func decodeStageMove(_ row: any SQLRow) throws -> StageMove {
        StageMove(
            id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
            accountID: try row.decode(column: "account_id", as: String.self), pipelineID: try row.decode(column: "pipeline_id", as: String.self),
            kind: StageMoveKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .moved,
            fromStageID: try row.decode(column: "from_stage_id", as: String?.self), toStageID: try row.decode(column: "to_stage_id", as: String.self),
            fromOwnerID: try row.decode(column: "from_owner_id", as: String.self), toOwnerID: try row.decode(column: "to_owner_id", as: String.self),
            handoverID: try row.decode(column: "handover_id", as: String?.self), actorID: try row.decode(column: "actor_id", as: String.self),
            at: Date(millis: try row.decode(column: "at", as: Int64.self)))
    }

    /// Every move of the account, oldest first.
    public func stageMoves(accountID: String, organizationID: String) async throws -> [StageMove] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.stageMoveColumns) FROM stage_moves
                WHERE organization_id = \(bind: organizationID) AND account_id = \(bind: accountID) ORDER BY at, id
                """
            ).all().map(Self.decodeStageMove)
        }
    }

    // MARK: Hand-offs between stages

    /// Creates the handover and, in the same transaction, what its completion will do to the account's stage.
    public func createHandover(_ handover: Handover, record: HandoverEventRecord, advance: PendingAdvance) async throws {
        try await write("account \(handover.accountID) already has an open handover: finish or cancel it first") { db in
            try await Self.insertHandover(handover, record: record, db)
            try await db.raw(
                """
                INSERT INTO pipeline_advances (handover_id, organization_id, account_id, pipeline_id, from_stage_id, to_stage_id, created_at)
                VALUES (\(bind: advance.handoverID), \(bind: handover.organizationID), \(bind: advance.accountID), \(bind: advance.pipelineID),
                        \(bind: advance.fromStageID), \(bind: advance.toStageID), \(bind: advance.createdAt.millis))
                """
            ).run()
        }
    }

    static func decodeAdvance(_ row: any SQLRow) throws -> PendingAdvance {
        PendingAdvance(
            handoverID: try row.decode(column: "handover_id", as: String.self), accountID: try row.decode(column: "account_id", as: String.self),
            pipelineID: try row.decode(column: "pipeline_id", as: String.self), fromStageID: try row.decode(column: "from_stage_id", as: String.self),
            toStageID: try row.decode(column: "to_stage_id", as: String.self), createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)))
    }

    static let advanceColumns = "p.handover_id, p.account_id, p.pipeline_id, p.from_stage_id, p.to_stage_id, p.created_at"

    /// Hand-offs of the pipeline whose handover is still open.
    static func openAdvances(pipelineID: String, organizationID: String, _ db: any SQLDatabase) async throws -> [PendingAdvance] {
        try await db.raw(
            """
            SELECT \(unsafeRaw: advanceColumns) FROM pipeline_advances p JOIN handovers h ON h.id = p.handover_id
            WHERE p.organization_id = \(bind: organizationID) AND p.pipeline_id = \(bind: pipelineID)
              AND h.state IN (\(binds: HandoverState.openStates.map(\.rawValue)))
            """
        ).all().map(decodeAdvance)
    }

    /// The account's hand-off under way (its handover still open), if any.
    public func openAdvance(accountID: String, organizationID: String) async throws -> PendingAdvance? {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.advanceColumns) FROM pipeline_advances p JOIN handovers h ON h.id = p.handover_id
                WHERE p.organization_id = \(bind: organizationID) AND p.account_id = \(bind: accountID)
                  AND h.state IN (\(binds: HandoverState.openStates.map(\.rawValue)))
                """
            ).first().map(Self.decodeAdvance)
        }
    }

    /// At completion, in its transaction: if the handover was started by "advance" and the
    /// account still stands where it stood then, it enters the next stage with its new owner.
    /// If a manager moved it meanwhile, the owner changes but the stage stays as they set it.
    /// Any other handover of an account standing in a pipeline is a hand-off within its stage:
    /// the journey records it, so it names every holder.
    static func settleAdvance(handover: Handover, newOwnerID: String, actorID: String, at now: Date, _ db: any SQLDatabase) async throws {
        guard
            let advance = try await db.raw(
                "SELECT \(unsafeRaw: advanceColumns) FROM pipeline_advances p WHERE p.handover_id = \(bind: handover.id) AND p.organization_id = \(bind: handover.organizationID)"
            ).first().map(decodeAdvance)
        else {
            let stands = try await db.raw(
                "SELECT pipeline_id, stage_id FROM account_stages WHERE account_id = \(bind: handover.accountID) AND organization_id = \(bind: handover.organizationID)"
            ).all()
            for row in stands {
                let (pipelineID, stageID) = (try row.decode(column: "pipeline_id", as: String.self), try row.decode(column: "stage_id", as: String.self))
                let move = StageMove(
                    id: "\(handover.id).stage.\(pipelineID)", organizationID: handover.organizationID, accountID: handover.accountID, pipelineID: pipelineID,
                    kind: .handedOff, fromStageID: stageID, toStageID: stageID, fromOwnerID: handover.transferorID, toOwnerID: newOwnerID,
                    handoverID: handover.id, actorID: actorID, at: now)
                try await insertStageMove(move, by: AuditActor(member: actorID), db)
            }
            return
        }
        let moved = try await db.raw(
            """
            UPDATE account_stages SET stage_id = \(bind: advance.toStageID), since = \(bind: now.millis)
            WHERE account_id = \(bind: advance.accountID) AND organization_id = \(bind: handover.organizationID)
              AND pipeline_id = \(bind: advance.pipelineID) AND stage_id = \(bind: advance.fromStageID)
            RETURNING account_id
            """
        ).all()
        guard !moved.isEmpty else { return }
        let move = StageMove(
            id: handover.id + ".stage", organizationID: handover.organizationID, accountID: advance.accountID, pipelineID: advance.pipelineID,
            kind: .handedOff, fromStageID: advance.fromStageID, toStageID: advance.toStageID, fromOwnerID: handover.transferorID, toOwnerID: newOwnerID,
            handoverID: handover.id, actorID: actorID, at: now)
        try await insertStageMove(move, by: AuditActor(member: actorID), db)
    }

    // MARK: The board

    /// Every account standing in the pipeline, with where it stands: one query for the whole board.
    public func board(pipelineID: String, organizationID: String, ownerID: String?, tag: String?) async throws -> [(account: Account, placement: StagePlacement)] {
        try await database.withSession { db in
            var query = SQLQueryString(
                """
                SELECT \(unsafeRaw: Self.accountColumns), s.account_id, s.pipeline_id, s.stage_id, s.since
                FROM account_stages s JOIN accounts a ON a.id = s.account_id
                WHERE s.organization_id = \(bind: organizationID) AND s.pipeline_id = \(bind: pipelineID)
                """)
            if let ownerID { query += " AND a.owner_id = \(bind: ownerID)" }
            let tag = tag?.trimmingCharacters(in: .whitespaces).lowercased()
            if let tag, !tag.isEmpty {
                // As `accounts(filter:)`: narrowed by the quoted tag in the profile's JSON, then checked exactly.
                let pattern = "%" + Self.likeEscaped(String(decoding: try JSONEncoder().encode(tag), as: UTF8.self)) + "%"
                query += " AND LOWER(a.profile) LIKE \(bind: pattern) ESCAPE '\\'"
            }
            query += " ORDER BY s.since, a.name, a.id"
            let rows = try await db.raw(query).all().map { (account: try Self.decodeAccount($0), placement: try Self.decodePlacement($0)) }
            guard let tag, !tag.isEmpty else { return rows }
            return rows.filter { $0.account.profile.tags.contains { $0.lowercased() == tag } }
        }
    }
}
