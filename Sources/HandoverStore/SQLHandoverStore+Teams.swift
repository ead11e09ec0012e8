import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// Teams (SCIM Groups) and the organization's team → role mapping (Docs/SCIM.md). Every change
/// to a membership or to the mapping re-derives, in its own transaction, the roles of the members
/// it touches (`TeamRoles`), so a role never disagrees with the teams.
extension SQLHandoverStore {
    // MARK: Reading

    public func teams(organizationID: String, name: String?) async throws -> [Team] {
        try await database.withSession { db in
            var query = SQLQueryString("SELECT id, organization_id, name, created_at, updated_at FROM teams WHERE organization_id = \(bind: organizationID)")
            if let name { query += " AND name_key = \(bind: Team.nameKey(name))" }
            query += " ORDER BY created_at, id"
            return try await Self.withMembers(try await db.raw(query).all(), db)
        }
    }

    public func team(id: String, organizationID: String) async throws -> Team? {
        try await database.withSession { db in try await Self.team(id: id, organizationID: organizationID, db) }
    }

    static func team(id: String, organizationID: String, _ db: any SQLDatabase) async throws -> Team? {
        let rows = try await db.raw(
            "SELECT id, organization_id, name, created_at, updated_at FROM teams WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)"
        ).all()
        return try await withMembers(rows, db).first
    }

    /// Teams from their rows, each with its member ids (one query for all of them).
    static func withMembers(_ rows: [any SQLRow], _ db: any SQLDatabase) async throws -> [Team] {
        var teams = try rows.map { row in
            Team(
                id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
                name: try row.decode(column: "name", as: String.self), memberIDs: [],
                createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
                updatedAt: Date(millis: try row.decode(column: "updated_at", as: Int64.self)))
        }
        guard !teams.isEmpty else { return [] }
        var members: [String: [String]] = [:]
        for start in stride(from: 0, to: teams.count, by: 500) {
            let chunk = teams[start..<min(start + 500, teams.count)].map(\.id)
            for row in try await db.raw(
                "SELECT team_id, member_id FROM team_members WHERE team_id IN (\(binds: chunk)) ORDER BY position"
            ).all() {
                members[try row.decode(column: "team_id", as: String.self), default: []].append(try row.decode(column: "member_id", as: String.self))
            }
        }
        for index in teams.indices { teams[index].memberIDs = members[teams[index].id] ?? [] }
        return teams
    }

    public func teamRoleMapping(organizationID: String) async throws -> [String: Role] {
        try await database.withSession { db in try await Self.teamRoleMapping(organizationID: organizationID, db) }
    }

    static func teamRoleMapping(organizationID: String, _ db: any SQLDatabase) async throws -> [String: Role] {
        var mapping: [String: Role] = [:]
        for row in try await db.raw("SELECT name_key, role FROM team_roles WHERE organization_id = \(bind: organizationID)").all() {
            if let role = Role(rawValue: try row.decode(column: "role", as: String.self)) { mapping[try row.decode(column: "name_key", as: String.self)] = role }
        }
        return mapping
    }

    // MARK: Changing

    /// Creates (`id` new) or changes a team: its name and its members by `change`, the roles of
    /// the members who joined or left re-derived, audited, in one transaction. `.conflict` when
    /// another team has the name; `.invalid` when a member id is not in the organization.
    public func saveTeam(
        id: String, organizationID: String, creating: Bool, change: Scim.GroupChange, at now: Date, by actor: AuditActor
    ) async throws -> Team {
        try await write("a team with that name already exists") { db in
            try await self.lockTeams(organizationID: organizationID, db)
            var team: Team
            if creating {
                guard let name = change.displayName else { throw HandoverError.invalid([Problem(path: "displayName", message: "a team needs a name")]) }
                team = Team(id: id, organizationID: organizationID, name: name, memberIDs: [], createdAt: now, updatedAt: now)
            } else {
                guard let found = try await Self.team(id: id, organizationID: organizationID, db) else { throw StoreError.notFound("team \(id)") }
                team = found
            }
            let oldKey = Team.nameKey(team.name)
            if let name = change.displayName {
                if let problem = Team.nameProblem(name) { throw HandoverError.invalid([Problem(path: "displayName", message: problem)]) }
                team.name = name.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let added = change.addedIDs
            // Checked in chunks: a whole group's PUT may name more members than one statement binds.
            for start in stride(from: 0, to: added.count, by: 500) {
                let chunk = Array(added[start..<min(start + 500, added.count)])
                let known = Set(
                    try await db.raw("SELECT id FROM members WHERE organization_id = \(bind: organizationID) AND id IN (\(binds: chunk))").all()
                        .map { try $0.decode(column: "id", as: String.self) })
                if let unknown = chunk.first(where: { !known.contains($0) }) {
                    throw HandoverError.invalid([Problem(path: "members", message: "no user \(unknown) in this organization")])
                }
            }
            let before = team.memberIDs
            let after = change.memberIDs(from: before)
            let (beforeSet, afterSet) = (Set(before), Set(after))
            let joined = after.filter { !beforeSet.contains($0) }, left = before.filter { !afterSet.contains($0) }
            // A rename changes which mapping applies to everyone in the team.
            let renamed = !creating && Team.nameKey(team.name) != oldKey
            let touched = renamed ? Array(Set(before + after)) : joined + left
            let mapping = try await Self.teamRoleMapping(organizationID: organizationID, db)
            let namesBefore = try await Self.teamNames(of: touched, organizationID: organizationID, db)

            if creating {
                try await db.raw(
                    """
                    INSERT INTO teams (id, organization_id, name, name_key, created_at, updated_at)
                    VALUES (\(bind: id), \(bind: organizationID), \(bind: team.name), \(bind: Team.nameKey(team.name)), \(bind: now.millis), \(bind: now.millis))
                    """
                ).run()
            } else {
                try await db.raw(
                    """
                    UPDATE teams SET name = \(bind: team.name), name_key = \(bind: Team.nameKey(team.name)), updated_at = \(bind: now.millis)
                    WHERE id = \(bind: id)
                    """
                ).run()
            }
            for start in stride(from: 0, to: left.count, by: 500) {
                let chunk = Array(left[start..<min(start + 500, left.count)])
                try await db.raw("DELETE FROM team_members WHERE team_id = \(bind: id) AND member_id IN (\(binds: chunk))").run()
            }
            var position =
                try await db.raw("SELECT MAX(position) AS p FROM team_members WHERE team_id = \(bind: id)").first()?
                .decode(column: "p", as: Int64?.self) ?? 0
            for start in stride(from: 0, to: joined.count, by: 500) {
                var query = SQLQueryString("INSERT INTO team_members (team_id, member_id, added_at, position) VALUES ")
                for (index, memberID) in joined[start..<min(start + 500, joined.count)].enumerated() {
                    position += 1
                    query += "\(unsafeRaw: index > 0 ? ", " : "")(\(bind: id), \(bind: memberID), \(bind: now.millis), \(bind: position))"
                }
                try await db.raw(query).run()
            }
            team.memberIDs = after
            team.updatedAt = now
            try await Self.appendAudit(
                [
                    AuditRecord(
                        action: creating ? "team.create" : "team.update", target: "team:\(id)",
                        digest: try CanonicalJSON.digest(["id": id, "name": team.name, "members": after.joined(separator: ",")]))
                ], organizationID: organizationID, actor: actor, at: now, db)
            try await Self.rederiveRoles(
                of: touched, namesBefore: namesBefore, mappingBefore: mapping, mappingAfter: mapping, organizationID: organizationID, at: now, by: actor, db)
            return team
        }
    }

    /// Deletes a team; its former members' roles re-derived. Members are untouched otherwise.
    public func deleteTeam(id: String, organizationID: String, at now: Date, by actor: AuditActor) async throws {
        try await write { db in
            try await self.lockTeams(organizationID: organizationID, db)
            guard let team = try await Self.team(id: id, organizationID: organizationID, db) else { throw StoreError.notFound("team \(id)") }
            let mapping = try await Self.teamRoleMapping(organizationID: organizationID, db)
            let namesBefore = try await Self.teamNames(of: team.memberIDs, organizationID: organizationID, db)
            try await db.raw("DELETE FROM team_members WHERE team_id = \(bind: id)").run()
            try await db.raw("DELETE FROM teams WHERE id = \(bind: id)").run()
            try await Self.appendAudit(
                [AuditRecord(action: "team.delete", target: "team:\(id)", digest: try CanonicalJSON.digest(["id": id, "name": team.name]))],
                organizationID: organizationID, actor: actor, at: now, db)
            try await Self.rederiveRoles(
                of: team.memberIDs, namesBefore: namesBefore, mappingBefore: mapping, mappingAfter: mapping, organizationID: organizationID, at: now,
                by: actor, db)
        }
    }

    /// Maps a team name to a role (nil removes the mapping); the members of a team of that name
    /// get their roles re-derived at once. Returns the members whose role changed.
    public func setTeamRole(organizationID: String, teamName: String, role: Role?, at now: Date, by actor: AuditActor) async throws -> [Member] {
        try await write { db in
            try await self.lockTeams(organizationID: organizationID, db)
            let key = Team.nameKey(teamName)
            let before = try await Self.teamRoleMapping(organizationID: organizationID, db)
            var after = before
            after[key] = role
            if before == after { return [] }
            try await db.raw("DELETE FROM team_roles WHERE organization_id = \(bind: organizationID) AND name_key = \(bind: key)").run()
            if let role {
                try await db.raw(
                    "INSERT INTO team_roles (organization_id, name_key, role) VALUES (\(bind: organizationID), \(bind: key), \(bind: role.rawValue))"
                ).run()
            }
            try await Self.appendAudit(
                [
                    AuditRecord(
                        action: "team-role.set", target: "organization:\(organizationID)",
                        digest: try CanonicalJSON.digest(["team": key, "role": role?.rawValue ?? ""]))
                ], organizationID: organizationID, actor: actor, at: now, db)
            let touched = try await db.raw(
                """
                SELECT tm.member_id FROM team_members tm JOIN teams t ON t.id = tm.team_id
                WHERE t.organization_id = \(bind: organizationID) AND t.name_key = \(bind: key)
                """
            ).all().map { try $0.decode(column: "member_id", as: String.self) }
            let names = try await Self.teamNames(of: touched, organizationID: organizationID, db)
            return try await Self.rederiveRoles(
                of: touched, namesBefore: names, mappingBefore: before, mappingAfter: after, organizationID: organizationID, at: now, by: actor, db)
        }
    }

    // MARK: Deprovisioning rules

    public func deprovisioningRules(organizationID: String) async throws -> [DepartureRule] {
        try await database.withSession { db in
            guard
                let text = try await db.raw("SELECT rules FROM deprovisioning_rules WHERE organization_id = \(bind: organizationID)").first()?
                    .decode(column: "rules", as: String.self)
            else { return [] }
            return try JSONCoding.decode([DepartureRule].self, from: text)
        }
    }

    public func setDeprovisioningRules(organizationID: String, rules: [DepartureRule], at now: Date, by actor: AuditActor) async throws {
        let text = try JSONCoding.encode(rules)
        try await write { db in
            try await db.raw("DELETE FROM deprovisioning_rules WHERE organization_id = \(bind: organizationID)").run()
            if !rules.isEmpty {
                try await db.raw(
                    """
                    INSERT INTO deprovisioning_rules (organization_id, rules, updated_at)
                    VALUES (\(bind: organizationID), \(bind: text), \(bind: now.millis))
                    """
                ).run()
            }
            try await Self.appendAudit(
                [AuditRecord(action: "deprovisioning-rules.set", target: "organization:\(organizationID)", digest: Hex.sha256(Data(text.utf8)))],
                organizationID: organizationID, actor: actor, at: now, db)
        }
    }

    // MARK: Roles

    /// On PostgreSQL, team changes of one organization take turns (a member's role depends on
    /// all their teams, so two concurrent changes must not each see the other's teams as before).
    /// NO KEY UPDATE, not UPDATE: every insert that references the organization takes a KEY
    /// SHARE lock on its row (the foreign key check), which UPDATE would block, and a team change
    /// waiting on the audit head held by such an insert would deadlock with it.
    /// SQLite has one writer: nothing to do.
    func lockTeams(organizationID: String, _ db: any SQLDatabase) async throws {
        guard database.engine == .postgres else { return }
        try await db.raw("SELECT id FROM organizations WHERE id = \(bind: organizationID) FOR NO KEY UPDATE").run()
    }

    /// The names of the teams each of `memberIDs` is in.
    static func teamNames(of memberIDs: [String], organizationID: String, _ db: any SQLDatabase) async throws -> [String: [String]] {
        var names: [String: [String]] = [:]
        for start in stride(from: 0, to: memberIDs.count, by: 500) {
            let chunk = Array(memberIDs[start..<min(start + 500, memberIDs.count)])
            for row in try await db.raw(
                """
                SELECT tm.member_id, t.name FROM team_members tm JOIN teams t ON t.id = tm.team_id
                WHERE t.organization_id = \(bind: organizationID) AND tm.member_id IN (\(binds: chunk))
                """
            ).all() {
                names[try row.decode(column: "member_id", as: String.self), default: []].append(try row.decode(column: "name", as: String.self))
            }
        }
        return names
    }

    /// Each member's role from their teams before and after (read now, inside the change's
    /// transaction), by `TeamRoles.role`, with the last-admin rule over the whole change
    /// (`TeamRoles.guarded`); members held by that rule before are re-derived too. Changed roles
    /// are written and audited as `member.role`.
    @discardableResult
    static func rederiveRoles(
        of memberIDs: [String], namesBefore: [String: [String]], mappingBefore: [String: Role], mappingAfter: [String: Role], organizationID: String,
        at now: Date, by actor: AuditActor, _ db: any SQLDatabase
    ) async throws -> [Member] {
        let held = Set(
            try await db.raw("SELECT member_id FROM team_role_holds WHERE organization_id = \(bind: organizationID)").all()
                .map { try $0.decode(column: "member_id", as: String.self) })
        guard !(mappingBefore.isEmpty && mappingAfter.isEmpty && held.isEmpty) else { return [] }
        var seen = Set<String>()
        let all = (memberIDs + held.sorted()).filter { seen.insert($0).inserted }
        guard !all.isEmpty else { return [] }
        let namesAfter = try await teamNames(of: all, organizationID: organizationID, db)
        var members: [Member] = []
        for start in stride(from: 0, to: all.count, by: 500) {
            let chunk = Array(all[start..<min(start + 500, all.count)])
            members += try await db.raw(
                "SELECT \(unsafeRaw: memberColumns) FROM members m WHERE m.organization_id = \(bind: organizationID) AND m.id IN (\(binds: chunk))"
            ).all().map(decodeMember)
        }
        let changedNow = Set(memberIDs)
        let changes = members.map { member in
            // A member this change does not touch (a held one) is in the same teams as before.
            let teamsBefore = changedNow.contains(member.id) ? namesBefore[member.id] ?? [] : namesAfter[member.id] ?? []
            // A held admin has left their mapped teams already: as if they were leaving them now.
            let before = TeamRoles.mapped(teamNames: teamsBefore, mapping: mappingBefore) ?? (held.contains(member.id) ? .admin : nil)
            let after = TeamRoles.mapped(teamNames: namesAfter[member.id] ?? [], mapping: mappingAfter)
            return TeamRoles.Change(
                memberID: member.id, current: member.role, next: TeamRoles.role(current: member.role, before: before, after: after), isActive: member.isActive)
        }
        let touched = Set(all)
        let untouchedAdmins = try await db.raw(
            "SELECT id FROM members WHERE organization_id = \(bind: organizationID) AND role = 'admin' AND deactivated_at IS NULL"
        ).all().map { try $0.decode(column: "id", as: String.self) }.filter { !touched.contains($0) }.count
        let (roles, keep) = TeamRoles.guarded(changes, untouchedActiveAdmins: untouchedAdmins)

        var changed: [Member] = []
        var records: [AuditRecord] = []
        for var member in members.sorted(by: { $0.id < $1.id }) {
            guard let role = roles[member.id], role != member.role else { continue }
            try await db.raw("UPDATE members SET role = \(bind: role.rawValue) WHERE id = \(bind: member.id)").run()
            member.role = role
            changed.append(member)
            records.append(
                AuditRecord(
                    action: "member.role", target: "member:\(member.id)", digest: try CanonicalJSON.digest(["id": member.id, "role": role.rawValue])))
        }
        try await appendAudit(records, organizationID: organizationID, actor: actor, at: now, db)
        let released = held.subtracting(keep)
        for start in stride(from: 0, to: released.count, by: 500) {
            let chunk = Array(released.sorted()[start..<min(start + 500, released.count)])
            try await db.raw("DELETE FROM team_role_holds WHERE organization_id = \(bind: organizationID) AND member_id IN (\(binds: chunk))").run()
        }
        for id in keep.subtracting(held).sorted() {
            try await db.raw("INSERT INTO team_role_holds (organization_id, member_id) VALUES (\(bind: organizationID), \(bind: id))").run()
        }
        return changed
    }
}
