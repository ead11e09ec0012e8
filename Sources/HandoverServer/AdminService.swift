import Foundation
import HandoverCore
import HandoverStore

/// Organizations, members, tokens and logins: used by the API, `handover admin` and the demo.
public struct AdminService: Sendable {
    public let store: any HandoverStore
    public let passwords: Passwords

    public init(store: any HandoverStore, passwords: Passwords = Passwords()) {
        self.store = store
        self.passwords = passwords
    }

    /// Creates an organization and its first admin.
    public func createOrganization(name: String, adminEmail: String, adminName: String, password: String?) async throws -> (Organization, Member) {
        var problems: [Problem] = []
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty { problems.append(Problem(path: "name", message: "must not be empty")) }
        problems += Self.memberProblems(email: adminEmail, name: adminName, password: password, prefix: "admin")
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        let now = currentTime()
        let organization = Organization(id: Secrets.newID(at: now), name: name, createdAt: now)
        let admin = Member(id: Secrets.newID(at: now), organizationID: organization.id, email: Member.normalizedEmail(adminEmail),
                           name: adminName.trimmingCharacters(in: .whitespacesAndNewlines), role: .admin, createdAt: now)
        let hash = try await password.asyncMap(passwords.hash)
        try await store.createOrganization(organization, firstAdmin: admin, passwordHash: hash)
        return (organization, admin)
    }

    /// Adds a member to an organization. `password` nil makes a member who signs in with tokens only.
    public func createMember(organizationID: String, email: String, name: String, role: Role, managerID: String?, password: String?) async throws -> Member {
        let problems = Self.memberProblems(email: email, name: name, password: password, prefix: nil)
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        let now = currentTime()
        let member = Member(id: Secrets.newID(at: now), organizationID: organizationID, email: Member.normalizedEmail(email),
                            name: name.trimmingCharacters(in: .whitespacesAndNewlines), role: role, managerID: managerID, createdAt: now)
        let hash = try await password.asyncMap(passwords.hash)
        try await store.createMember(member, passwordHash: hash)
        return member
    }

    /// Creates an API token for a member; the returned secret is never stored and cannot be shown again.
    public func createToken(for member: Member, name: String) async throws -> (token: APIToken, secret: String) {
        let tooLong = name.unicodeScalars.count > 100  // as the spec's maxLength counts: scalars, before trimming
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || tooLong { throw HandoverError.invalid([Problem(path: "name", message: "give the token a name of 1 to 100 characters, such as the machine it is for")]) }
        let now = currentTime()
        let secret = Secrets.newToken()
        let token = APIToken(id: Secrets.newID(at: now), organizationID: member.organizationID, memberID: member.id, name: name, createdAt: now)
        try await store.createToken(token, digest: Secrets.digest(secret))
        return (token, secret)
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
        let now = currentTime()
        if case .refused(let retryAfter) = try await store.reserveLoginGuess(throttle.limits, at: now) {
            return .throttled(retryAfter: retryAfter)
        }
        let candidates = try await store.loginCandidates(email: email)
            .filter { organizationID == nil || $0.member.organizationID == organizationID }
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
        let tokens = try await store.tokens(organizationID: actor.organizationID, memberID: actor.role == .admin ? nil : actor.id)
        guard tokens.contains(where: { $0.id == id }) else { throw StoreError.notFound("token") }
        try await store.revokeToken(id: id, organizationID: actor.organizationID, at: currentTime())
    }

    /// Starts a browser session for `member`: the cookie's value (shown to nobody else; only its
    /// digest is stored) and when it expires.
    public func startSession(for member: Member, lifetime: TimeInterval) async throws -> (value: String, expiresAt: Date) {
        let now = currentTime()
        let value = Secrets.newSessionValue()
        let expiresAt = now.addingTimeInterval(lifetime)
        try await store.createSession(digest: Secrets.digest(value), memberID: member.id, at: now, expiresAt: expiresAt)
        return (value, expiresAt)
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

    var limits: [LoginLimit] { [email] + (address.map { [$0] } ?? []) }

    /// What a refused sign-in is told, the API and the web alike: "… Wait 3 minutes …".
    static func waitMessage(_ retryAfter: Int) -> String {
        let minutes = max(1, (retryAfter + 59) / 60)
        return "Too many failed sign-ins. Wait \(minutes == 1 ? "1 minute" : "\(minutes) minutes") and try again."
    }
}
