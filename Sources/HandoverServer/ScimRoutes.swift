import Foundation
import HTTPTypes
import HandoverCore
import HandoverServices
import HandoverStore
import Hummingbird
import NIOCore

/// SCIM 2.0 at /scim/v2 (Docs/SCIM.md), outside /api/v1 and its OpenAPI document: its own
/// bearer (`hscim_…`, one organization per connection), its own media type and its own error
/// format (RFC 7644 §3.12). Routes translate JSON to `ScimService` calls and back; the rules are there.
struct ScimRoutes: Sendable {
    let scim: ScimService
    let credentials: CredentialCache

    static let contentType = "application/scim+json"
    static let errorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"
    static let listSchema = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    static let userSchema = "urn:ietf:params:scim:schemas:core:2.0:User"
    static let groupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group"
    /// The largest page a list answers (ServiceProviderConfig's filter.maxResults).
    static let maxResults = 200

    func register(on router: Router<AppContext>) {
        let v2 = router.group("scim/v2")
        v2.get("ServiceProviderConfig") { request, context in
            try await answer(request, context) { _ in (.ok, ScimDiscovery.serviceProviderConfig(maxResults: Self.maxResults)) }
        }
        v2.get("ResourceTypes") { request, context in
            try await answer(request, context) { _ in (.ok, ScimDiscovery.list([ScimDiscovery.userResourceType, ScimDiscovery.groupResourceType])) }
        }
        v2.get("Schemas") { request, context in
            try await answer(request, context) { _ in (.ok, ScimDiscovery.list([ScimDiscovery.userSchema, ScimDiscovery.groupSchema])) }
        }
        v2.get("Users") { request, context in
            try await answer(request, context) { connection in
                let list = try ListQuery(request)
                let (total, page) = try await scim.users(filter: list.filter, startIndex: list.startIndex, count: list.count, by: connection)
                return (.ok, list.response(total: total, page.map { Self.user($0, request) }))
            }
        }
        v2.get("Users/:id") { request, context in
            try await answer(request, context) { connection in
                (.ok, Self.user(try await scim.user(id: try context.parameters.require("id"), by: connection), request))
            }
        }
        v2.post("Users") { request, context in
            try await answer(request, context) { connection in
                let change = try Scim.UserChange.resource(try await Self.body(request, context))
                return (.created, Self.user(try await scim.createUser(change, by: connection), request))
            }
        }
        v2.put("Users/:id") { request, context in
            try await answer(request, context) { connection in
                let change = try Scim.UserChange.resource(try await Self.body(request, context))
                return (.ok, Self.user(try await scim.updateUser(id: try context.parameters.require("id"), change, by: connection).member, request))
            }
        }
        v2.patch("Users/:id") { request, context in
            try await answer(request, context) { connection in
                let change = try Scim.patch(try await Self.body(request, context))
                return (.ok, Self.user(try await scim.updateUser(id: try context.parameters.require("id"), change, by: connection).member, request))
            }
        }
        v2.delete("Users/:id") { request, context in
            try await answer(request, context) { connection in
                _ = try await scim.deleteUser(id: try context.parameters.require("id"), by: connection)
                return (.noContent, nil)
            }
        }
        registerGroups(on: v2)
    }

    /// Groups are teams (Docs/SCIM.md): `members` are users of the organization; the role
    /// mapping turns membership into roles in the same transaction.
    func registerGroups(on v2: RouterGroup<AppContext>) {
        v2.get("Groups") { request, context in
            try await answer(request, context) { connection in
                let list = try ListQuery(request)
                let (total, page) = try await scim.groups(filter: list.filter, startIndex: list.startIndex, count: list.count, by: connection)
                let names = try await memberNames(page, connection)
                return (.ok, list.response(total: total, page.map { Self.group($0, names: names, members: !Self.excludesMembers(request)) }))
            }
        }
        v2.get("Groups/:id") { request, context in
            try await answer(request, context) { connection in
                let team = try await scim.group(id: try context.parameters.require("id"), by: connection)
                return (.ok, try await groupResource(team, connection, members: !Self.excludesMembers(request)))
            }
        }
        v2.post("Groups") { request, context in
            try await answer(request, context) { connection in
                let team = try await scim.createGroup(try Scim.GroupChange.resource(try await Self.body(request, context)), by: connection)
                return (.created, try await groupResource(team, connection))
            }
        }
        v2.put("Groups/:id") { request, context in
            try await answer(request, context) { connection in
                let change = try Scim.GroupChange.resource(try await Self.body(request, context))
                let team = try await scim.updateGroup(id: try context.parameters.require("id"), change, by: connection)
                return (.ok, try await groupResource(team, connection))
            }
        }
        v2.patch("Groups/:id") { request, context in
            try await answer(request, context) { connection in
                let change = try Scim.groupPatch(try await Self.body(request, context))
                let team = try await scim.updateGroup(id: try context.parameters.require("id"), change, by: connection)
                return (.ok, try await groupResource(team, connection))
            }
        }
        v2.delete("Groups/:id") { request, context in
            try await answer(request, context) { connection in
                try await scim.deleteGroup(id: try context.parameters.require("id"), by: connection)
                return (.noContent, nil)
            }
        }
    }

    /// One team as a Group, with its members' names.
    func groupResource(_ team: Team, _ connection: ScimToken, members: Bool = true) async throws -> JSONValue {
        Self.group(team, names: try await memberNames([team], connection), members: members)
    }

    /// Names for the members' `display`, read once for a page of teams.
    func memberNames(_ teams: [Team], _ connection: ScimToken) async throws -> [String: String] {
        guard teams.contains(where: { !$0.memberIDs.isEmpty }) else { return [:] }
        return try await scim.memberNames(by: connection)
    }

    /// Okta lists groups with `excludedAttributes=members` (a big group's members are a big answer).
    static func excludesMembers(_ request: Request) -> Bool {
        guard let excluded = request.uri.queryParameters["excludedAttributes"] else { return false }
        return excluded.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "members" }
    }

    /// A team as a SCIM Group: id, displayName, members as `{value, display, $ref}`.
    static func group(_ team: Team, names: [String: String], members: Bool = true) -> JSONValue {
        var fields: [String: JSONValue] = [
            "schemas": .array([.string(groupSchema)]), "id": .string(team.id), "displayName": .string(team.name),
            "meta": .object([
                "resourceType": .string("Group"), "created": .string(timestamp(team.createdAt)), "lastModified": .string(timestamp(team.updatedAt)),
                "location": .string("/scim/v2/Groups/\(team.id)"),
            ]),
        ]
        if members {
            fields["members"] = .array(
                team.memberIDs.map { id in
                    var member: [String: JSONValue] = ["value": .string(id), "$ref": .string("/scim/v2/Users/\(id)"), "type": .string("User")]
                    if let name = names[id] { member["display"] = .string(name) }
                    return .object(member)
                })
        }
        return .object(fields)
    }

    /// Authenticates the connection, runs `body`, and answers in SCIM's media type; every error,
    /// ours or the services', becomes a SCIM error document. Credentials are evicted after
    /// each change: a deprovisioned member's cached token must stop at once.
    func answer(
        _ request: Request, _ context: AppContext, _ body: (ScimToken) async throws -> (HTTPResponse.Status, JSONValue?)
    ) async throws -> Response {
        do {
            guard let header = request.headers[.authorization] else { throw Scim.Failure.unauthorized("send Authorization: Bearer hscim_…") }
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer", let connection = try await scim.authenticate(bearer: String(parts[1])) else {
                throw Scim.Failure.unauthorized("that SCIM token is not valid or has been revoked; make one with 'handover admin scim-token'")
            }
            let changes = request.method != .get && request.method != .head
            defer { if changes { credentials.evictAll() } }
            let (status, value) = try await body(connection)
            guard let value else { return Response(status: status) }
            return Self.response(status, value)
        } catch let failure as Scim.Failure {
            return Self.error(failure)
        } catch StoreError.notFound(let what) {
            return Self.error(.notFound("no \(what)"))
        } catch StoreError.conflict(let message) {
            return Self.error(.uniqueness(message))
        } catch HandoverError.invalid(let problems) {
            return Self.error(.invalidValue(problems.map { "\($0.path): \($0.message)" }.joined(separator: "; ")))
        } catch let error as HandoverError {
            return Self.error(.invalidValue(error.message))
        } catch DepartureError.keyInProgress {
            return Self.error(Scim.Failure(status: 409, scimType: nil, detail: "this user's deprovisioning is still running; retry shortly"))
        }
    }

    static func response(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ failure: Scim.Failure) -> Response {
        var fields: [String: JSONValue] = [
            "schemas": .array([.string(errorSchema)]), "status": .string(String(failure.status)), "detail": .string(failure.detail),
        ]
        if let scimType = failure.scimType { fields["scimType"] = .string(scimType) }
        var response = Self.response(.init(code: failure.status), .object(fields))
        if failure.status == 401 { response.headers[.wwwAuthenticate] = #"Bearer realm="scim""# }
        return response
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func body(_ request: Request, _ context: AppContext) async throws -> JSONValue {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch is NIOTooManyBytesError {
            throw Scim.Failure(status: 413, scimType: nil, detail: "the body is too large")
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView)) else {
            throw Scim.Failure.invalidSyntax("the body is not JSON")
        }
        return value
    }

    /// A list request's `filter`, `startIndex` (1-based) and `count` (capped at `maxResults`),
    /// and the ListResponse (RFC 7644 §3.4.2) of a page.
    struct ListQuery {
        var filter: String?
        var startIndex: Int
        var count: Int

        init(_ request: Request) throws {
            let query = request.uri.queryParameters
            filter = query["filter"].map(String.init)
            startIndex = try ScimRoutes.integer(query["startIndex"].map(String.init), name: "startIndex") ?? 1
            count = min(ScimRoutes.maxResults, try ScimRoutes.integer(query["count"].map(String.init), name: "count") ?? 100)
        }

        func response(total: Int, _ resources: [JSONValue]) -> JSONValue {
            .object([
                "schemas": .array([.string(ScimRoutes.listSchema)]), "totalResults": .number(Double(total)),
                "startIndex": .number(Double(max(1, startIndex))), "itemsPerPage": .number(Double(resources.count)), "Resources": .array(resources),
            ])
        }
    }

    static func integer(_ text: String?, name: String) throws -> Int? {
        guard let text else { return nil }
        guard let value = Int(text) else { throw Scim.Failure.invalidValue("\(name) must be an integer, got \(text)") }
        return value
    }

    /// A member as a SCIM User: id = member id, userName = email, active = not deactivated.
    static func user(_ member: Member, _ request: Request) -> JSONValue {
        let parts = member.name.split(separator: " ", maxSplits: 1).map(String.init)
        var name: [String: JSONValue] = ["formatted": .string(member.name)]
        if let given = parts.first { name["givenName"] = .string(given) }
        if parts.count > 1 { name["familyName"] = .string(parts[1]) }
        return .object([
            "schemas": .array([.string(userSchema)]), "id": .string(member.id), "userName": .string(member.email), "name": .object(name),
            "displayName": .string(member.name),
            "emails": .array([.object(["value": .string(member.email), "primary": .bool(true), "type": .string("work")])]),
            "active": .bool(member.isActive),
            "meta": .object([
                "resourceType": .string("User"), "created": .string(timestamp(member.createdAt)),
                // Members keep no modification time; the latest thing known to have changed them.
                "lastModified": .string(timestamp(member.deactivatedAt ?? member.createdAt)),
                "location": .string("/scim/v2/Users/\(member.id)"),
            ]),
        ])
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
