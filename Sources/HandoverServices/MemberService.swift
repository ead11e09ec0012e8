import Foundation
import HandoverCore
import HandoverStore

/// Organizations, members, tokens, sessions and sign-in: used by the API, the web app,
/// `handover admin` and the demo. The rules for who may add members and manage tokens live here.
public struct MemberService: Sendable {
    let store: any HandoverStore
    public let passwords: Passwords
    let clock: WallClock
    let ids: IDMaker

    public init(store: any HandoverStore, passwords: Passwords = Passwords(), clock: WallClock = .system, ids: IDMaker = .random) {
        self.store = store
        self.passwords = passwords
        self.clock = clock
        self.ids = ids
    }

    /// Creates an organization and its first admin, who is the one acting (sign-up, or the
    /// operator's CLI on their behalf).
    public func createOrganization(name: String, adminEmail: String, adminName: String, password: String?) async throws -> (Organization, Member) {
        var problems: [Problem] = []
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty { problems.append(Problem(path: "name", message: "must not be empty")) }
        problems += Self.memberProblems(email: adminEmail, name: adminName, password: password, prefix: "admin")
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        try CredentialGuard.refuse(CredentialScan.findings([("name", name), ("adminName", adminName)]))
        let now = clock.now()
        let organization = Organization(id: ids.next(at: now), name: name, createdAt: now)
        let admin = Member(
            id: ids.next(at: now), organizationID: organization.id, email: Member.normalizedEmail(adminEmail),
            name: adminName.trimmingCharacters(in: .whitespacesAndNewlines), role: .admin, createdAt: now)
        let hash = try await password.asyncMap(passwords.hash)
        try await store.createOrganization(organization, firstAdmin: admin, passwordHash: hash)
        return (organization, admin)
    }

    public func organization(id: String) async throws -> Organization? {
        try await store.organization(id: id)
    }

    /// An admin adds a member to their organization. `password` nil makes a member who signs in
    /// with tokens only.
    public func createMember(email: String, name: String, role: Role, managerID: String?, password: String?, by actor: Member) async throws -> Member {
        guard actor.role == .admin else { throw HandoverError.notPermitted(action: "add members", reason: "only admins add members") }
        return try await createMember(
            organizationID: actor.organizationID, email: email, name: name, role: role, managerID: managerID,
            password: password, by: AuditActor(member: actor.id))
    }

    /// Adds a member on behalf of `actor` with no role check: for the operator's CLI and the demo.
    public func createMember(
        organizationID: String, email: String, name: String, role: Role, managerID: String?, password: String?,
        by actor: AuditActor
    ) async throws -> Member {
        var problems = Self.memberProblems(email: email, name: name, password: password, prefix: nil)
        if let managerID, try await store.member(id: managerID, organizationID: organizationID) == nil {
            problems.append(Problem(path: "managerID", message: "no member \(managerID) in this organization"))
        }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        try CredentialGuard.refuse(CredentialScan.findings([("name", name)]))
        let now = clock.now()
        let member = Member(
            id: ids.next(at: now), organizationID: organizationID, email: Member.normalizedEmail(email),
            name: name.trimmingCharacters(in: .whitespacesAndNewlines), role: role, managerID: managerID, createdAt: now)
        let hash = try await password.asyncMap(passwords.hash)
        try await store.createMember(member, passwordHash: hash, by: actor)
        return member
    }

    /// Everyone in the actor's organization (every role sees the directory: handovers name people).
    public func members(by actor: Member) async throws -> [Member] {
        try await store.members(organizationID: actor.organizationID)
    }

    /// The organization's teams (SCIM Groups) with their members' ids, for every role.
    public func teams(by actor: Member) async throws -> [Team] {
        try await store.teams(organizationID: actor.organizationID, name: nil)
    }

    public func member(id: String, by actor: Member) async throws -> Member {
        guard let member = try await store.member(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("member") }
        return member
    }

    /// An admin deactivates a member: in one transaction their sessions end, their tokens are
    /// revoked and the change is audited; they can no longer sign in. Nothing is deleted.
    public func deactivate(memberID: String, by actor: Member) async throws -> Member {
        guard actor.role == .admin else { throw HandoverError.notPermitted(action: "deactivate members", reason: "only admins deactivate members") }
        if memberID == actor.id { throw HandoverError.invalid([Problem(path: "memberID", message: "you cannot deactivate yourself")]) }
        return try await store.setMemberDeactivated(
            id: memberID, organizationID: actor.organizationID, deactivated: true, at: clock.now(), by: AuditActor(member: actor.id))
    }

    /// Restores sign-in only: revoked tokens stay revoked and sessions ended stay ended.
    public func reactivate(memberID: String, by actor: Member) async throws -> Member {
        guard actor.role == .admin else { throw HandoverError.notPermitted(action: "reactivate members", reason: "only admins reactivate members") }
        return try await store.setMemberDeactivated(
            id: memberID, organizationID: actor.organizationID, deactivated: false, at: clock.now(), by: AuditActor(member: actor.id))
    }

    /// Members of an organization, for the operator's CLI.
    public func members(organizationID: String) async throws -> [Member] {
        try await store.members(organizationID: organizationID)
    }

    /// Members with this email (in any organization), for the operator's CLI.
    public func members(email: String) async throws -> [Member] {
        try await store.loginCandidates(email: email).map(\.member)
    }

    /// Creates an API token for `member`; the returned secret is never stored and cannot be
    /// shown again. Every role may hold tokens, auditors included: their work is `handover audit`
    /// from a terminal. `actor` is the member themself, or the operator's CLI.
    public func createToken(for member: Member, name: String, by actor: AuditActor) async throws -> (token: APIToken, secret: String) {
        let tooLong = name.unicodeScalars.count > 100  // as the spec's maxLength counts: scalars, before trimming
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || tooLong {
            throw HandoverError.invalid([Problem(path: "name", message: "give the token a name of 1 to 100 characters, such as the machine it is for")])
        }
        try CredentialGuard.refuse(CredentialScan.findings([("name", name)]))
        let now = clock.now()
        let secret = Secrets.newToken()
        let token = APIToken(id: ids.next(at: now), organizationID: member.organizationID, memberID: member.id, name: name, createdAt: now)
        try await store.createToken(token, digest: Secrets.digest(secret), by: actor)
        return (token, secret)
    }

    /// The actor's own tokens; an admin sees the organization's.
    public func tokens(by actor: Member) async throws -> [APIToken] {
        try await store.tokens(organizationID: actor.organizationID, memberID: actor.role == .admin ? nil : actor.id)
    }

    public enum LoginResult: Sendable {
        case success(Member)
        case invalid
        case throttled(retryAfter: Int)
        /// The password is right for members of several organizations: the caller says which.
        /// Only someone who knows each of those passwords learns these names.
        case chooseOrganization([Organization])
    }

    /// Checks a password. Each guess is counted in the database *before* the password is
    /// checked (atomically, against the email's and the source address's limits), so however
    /// many guesses arrive at once, on however many replicas, at most the limit are checked.
    /// An email may belong to members of several organizations; `organizationID` picks one.
    public func login(email: String, password: String, organizationID: String? = nil, throttle: LoginThrottle) async throws -> LoginResult {
        let now = clock.now()
        if case .refused(let retryAfter) = try await store.reserveLoginGuess(throttle.limits, at: now) {
            return .throttled(retryAfter: retryAfter)
        }
        let candidates = try await store.loginCandidates(email: email)
            .filter { organizationID == nil || $0.member.organizationID == organizationID }
            // A deactivated member is refused exactly like a wrong password (Docs/Departures.md):
            // the same answer, the same time, the same count against the throttle, so sign-in
            // does not tell a guesser which addresses belong to people who have left.
            .filter { $0.member.isActive }
            .compactMap { candidate in candidate.passwordHash.map { (member: candidate.member, hash: $0) } }
        var matches: [Member] = []
        if candidates.isEmpty {
            try await passwords.verifyDummy(password)  // the same time as a real check
        }
        for candidate in candidates where try await passwords.verify(password, hash: candidate.hash) {
            matches.append(candidate.member)
        }
        try await store.settleLoginGuess(succeeded: !matches.isEmpty, resetting: [throttle.email.key], refunding: throttle.address.map { [$0.key] } ?? [])
        switch matches.count {
        case 0: return .invalid
        case 1: return .success(matches[0])
        default:
            var organizations: [Organization] = []
            for member in matches {
                if let organization = try await store.organization(id: member.organizationID) { organizations.append(organization) }
            }
            return .chooseOrganization(organizations)
        }
    }

    /// Revokes one of `actor`'s tokens (any token of the organization for an admin); 404 otherwise,
    /// so token ids of others reveal nothing.
    public func revokeToken(id: String, by actor: Member) async throws {
        guard try await tokens(by: actor).contains(where: { $0.id == id }) else { throw StoreError.notFound("token") }
        try await store.revokeToken(id: id, organizationID: actor.organizationID, at: clock.now(), by: AuditActor(member: actor.id))
    }

    /// Starts a browser session for `member`: the cookie's value (shown to nobody else; only its
    /// digest is stored) and when it expires.
    public func startSession(for member: Member, lifetime: TimeInterval) async throws -> (value: String, expiresAt: Date) {
        let now = clock.now()
        let value = Secrets.newSessionValue()
        let expiresAt = now.addingTimeInterval(lifetime)
        try await store.createSession(digest: Secrets.digest(value), memberID: member.id, at: now, expiresAt: expiresAt)
        return (value, expiresAt)
    }

    /// Ends the session with this cookie digest (signing out).
    public func endSession(digest: String) async throws {
        try await store.deleteSession(digest: digest)
    }

    /// The member and token behind a bearer token, if it is valid now.
    public func authenticate(tokenDigest: String) async throws -> (member: Member, token: APIToken)? {
        try await store.authenticate(tokenDigest: tokenDigest, at: clock.now())
    }

    /// The member behind a session cookie, if the session is valid now.
    public func authenticate(sessionDigest: String) async throws -> Member? {
        try await store.authenticate(sessionDigest: sessionDigest, at: clock.now())
    }

    static func memberProblems(email: String, name: String, password: String?, prefix: String?) -> [Problem] {
        func path(_ key: String) -> String { prefix.map { "\($0)\(key.prefix(1).uppercased())\(key.dropFirst())" } ?? key }
        var problems: [Problem] = []
        if !Member.isPlausibleEmail(Member.normalizedEmail(email)) { problems.append(Problem(path: path("email"), message: "\"\(email)\" is not an email address")) }
        if name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append(Problem(path: path("name"), message: "must not be empty")) }
        if let password, let weakness = Passwords.weakness(of: password) { problems.append(Problem(path: path("password"), message: weakness)) }
        return problems
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

/// The limits a sign-in is counted against: its email's, and its source address's when known.
public struct LoginThrottle: Sendable {
    public var email: LoginLimit
    public var address: LoginLimit?

    public init(email: LoginLimit, address: LoginLimit?) {
        self.email = email
        self.address = address
    }

    var limits: [LoginLimit] { [email] + (address.map { [$0] } ?? []) }

    /// What a refused sign-in is told, the API and the web alike: "… Wait 3 minutes …".
    public static func waitMessage(_ retryAfter: Int) -> String {
        let minutes = max(1, (retryAfter + 59) / 60)
        return "Too many failed sign-ins. Wait \(minutes == 1 ? "1 minute" : "\(minutes) minutes") and try again."
    }
}
