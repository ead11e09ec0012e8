import Foundation
import HandoverCore
import HandoverStore
import HandoverServices
import HandoverWire
import Hummingbird

/// The JSON API under /api/v1. Every route that names an id scopes it to the caller's organization.
struct APIRoutes: Sendable {
    let services: Services
    let credentials: CredentialCache
    let metrics: ServerMetrics
    let configuration: ServerConfiguration

    var members: MemberService { services.members }
    var handovers: HandoverService { services.handovers }

    func register(on router: Router<AppContext>) {
        // Liveness: the process answers. Readiness: it can also reach its database.
        router.get("/healthz") { _, _ in try JSONIO.response(Health(status: "ok")) }
        router.get("/readyz") { _, _ in
            do {
                try await services.operations.ping()
            } catch {
                throw APIError(status: .serviceUnavailable, type: "unavailable", title: "Not ready", detail: "The database cannot be reached.")
            }
            return try JSONIO.response(Health(status: "ready"))
        }
        router.get("/metrics") { request, context in
            guard
                ServerMetrics.mayScrape(
                    sourceAddress: context.sourceAddress, authorization: request.headers[.authorization],
                    token: configuration.metricsToken)
            else {
                throw APIError.forbidden("Metrics are for this machine, or for whoever holds HANDOVER_METRICS_TOKEN.")
            }
            let text = try await metrics.scrape(operations: services.operations)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/api/v1/openapi.json") { _, _ in try OpenAPIDocument.response() }

        let api = router.group("api/v1")
        registerAuth(api)
        registerMembers(api)
        registerAccounts(api)
        registerTemplates(api)
        registerHandovers(api)
    }

    // MARK: Auth and organizations

    func registerAuth(_ api: RouterGroup<AppContext>) {
        api.post("organizations") { request, context in
            let body = try await JSONIO.decode(CreateOrganizationRequest.self, from: request, context: context)
            if !configuration.allowSignup {
                throw APIError.forbidden("This server does not allow sign-up; ask its operator to run 'handover admin create-org'.")
            }
            let (organization, member) = try await members.createOrganization(
                name: body.name, adminEmail: body.adminEmail,
                adminName: body.adminName, password: body.adminPassword)
            return try JSONIO.response(CreateOrganizationResponse(organization: organization, admin: member), status: .created)
        }

        api.post("auth/login") { request, context in
            let body = try await JSONIO.decode(LoginRequest.self, from: request, context: context)
            let result = try await members.login(
                email: body.email, password: body.password, organizationID: body.organization,
                throttle: configuration.loginLimits(email: body.email, address: context.sourceAddress))
            switch result {
            case .throttled(let retryAfter):
                throw APIError.tooManyRequests(LoginThrottle.waitMessage(retryAfter), retryAfter: retryAfter)
            case .invalid:
                throw APIError.unauthorized("Email or password is wrong.")
            case .chooseOrganization(let organizations):
                let names = organizations.map { "\($0.id) (\($0.name))" }.joined(separator: ", ")
                throw APIError.conflict("This email and password sign in to several organizations: \(names). Send \"organization\" with the id of the one you mean.")
            case .success(let member):
                // The token first: a name it refuses (too long, a credential) then starts no session either.
                var issued: (token: APIToken, secret: String)?
                if let name = body.tokenName {
                    issued = try await members.createToken(for: member, name: name, by: AuditActor(member: member.id))
                }
                let (session, expiresAt) = try await members.startSession(for: member, lifetime: configuration.sessionLifetime)
                var response = try JSONIO.response(LoginResponse(member: member, expiresAt: expiresAt, token: issued?.secret, tokenID: issued?.token.id))
                response.setCookie(configuration.sessionCookie(session))
                return response
            }
        }

        api.post("auth/logout") { request, context in
            if case .session(let digest) = context.authentication {
                defer { credentials.evict(AuthMiddleware.sessionKey(digest)) }
                try await members.endSession(digest: digest)
            }
            var response = Response(status: .noContent)
            response.setCookie(configuration.sessionCookie(""))
            return response
        }

        api.get("me") { _, context in try JSONIO.response(try context.requireMember()) }
    }

    // MARK: Members and tokens

    func registerMembers(_ api: RouterGroup<AppContext>) {
        api.get("members") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await members.members(by: actor)))
        }
        api.post("members") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(CreateMemberRequest.self, from: request, context: context)
            let member = try await members.createMember(
                email: body.email, name: body.name, role: body.role, managerID: body.managerID,
                password: body.password, by: actor)
            return try JSONIO.response(member, status: .created)
        }
        // Teams (SCIM Groups): read by every role, like the member directory; changed only through SCIM.
        api.get("teams") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await members.teams(by: actor)))
        }
        api.get("members/:id") { _, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            return try JSONIO.response(try await members.member(id: id, by: actor))
        }
        api.get("tokens") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await members.tokens(by: actor)))
        }
        api.post("tokens") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(CreateTokenRequest.self, from: request, context: context)
            let (token, secret) = try await members.createToken(for: actor, name: body.name, by: AuditActor(member: actor.id))
            return try JSONIO.response(CreatedToken(token: token, secret: secret), status: .created)
        }
        api.delete("tokens/:id") { _, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            // The cache is keyed by digest, which a token id does not give back: forget every credential.
            defer { credentials.evictAll() }
            try await members.revokeToken(id: id, by: actor)
            return Response(status: .noContent)
        }
    }

    // MARK: Accounts

    func registerAccounts(_ api: RouterGroup<AppContext>) {
        api.get("accounts") { request, context in
            let actor = try context.requireMember()
            let query = request.uri.queryParameters
            var filter = AccountFilter()
            if let kind = query["kind"].map(String.init) {
                guard let value = AccountKind(rawValue: kind) else {
                    throw APIError.badRequest("kind must be one of \(AccountKind.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                filter.kind = value
            }
            filter.ownerID = query["owner"].map(String.init)
            filter.search = query["q"].map(String.init)
            filter.tag = query["tag"].map(String.init)
            if let limit = query["limit"].map(String.init) {
                guard let value = Int(limit), (1...1000).contains(value) else {
                    throw APIError.badRequest("limit must be a whole number from 1 to 1000.", errors: [Problem(path: "limit", message: "not from 1 to 1000")])
                }
                filter.limit = value
            }
            return try JSONIO.response(ListResponse(items: try await services.accounts.accounts(filter: filter, by: actor)))
        }
        api.post("accounts") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(CreateAccountRequest.self, from: request, context: context)
            let account = try await services.accounts.createAccount(
                name: body.name, kind: body.kind, ownerID: body.ownerID,
                profile: body.profile ?? AccountProfile(), by: actor)
            return try JSONIO.response(account, status: .created, headers: [.eTag: ETag.make(account.version)])
        }
        api.get("accounts/:id") { _, context in
            let actor = try context.requireMember()
            let account = try await services.accounts.account(id: try context.parameters.require("id"), by: actor)
            return try JSONIO.response(account, headers: [.eTag: ETag.make(account.version)])
        }
        api.get("accounts/:id/risks") { _, context in
            let actor = try context.requireMember()
            let risks = try await services.risks.assessment(accountID: try context.parameters.require("id"), by: actor)
            return try JSONIO.response(RiskFlagsResponse(items: risks.flags, model: risks.prediction, noModel: risks.noModel))
        }
        api.get("accounts/:id/outcomes") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await services.risks.outcomes(accountID: try context.parameters.require("id"), by: actor)))
        }
        api.post("accounts/:id/outcomes") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(RecordOutcomeRequest.self, from: request, context: context)
            let outcome = try await services.risks.recordOutcome(
                accountID: try context.parameters.require("id"), kind: body.kind, on: body.on, note: body.note, by: actor)
            return try JSONIO.response(outcome, status: .created)
        }
        api.patch("accounts/:id") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(UpdateAccountRequest.self, from: request, context: context)
            let account = try await services.accounts.updateAccount(
                id: try context.parameters.require("id"), name: body.name, profile: body.profile,
                expectedVersion: try ETag.expectedVersion(request), by: actor)
            return try JSONIO.response(account, headers: [.eTag: ETag.make(account.version)])
        }
        api.get("accounts/:id/owners") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await services.accounts.owners(accountID: try context.parameters.require("id"), by: actor)))
        }
    }

    // MARK: Templates

    func registerTemplates(_ api: RouterGroup<AppContext>) {
        api.get("templates") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await services.templates.templates(organizationID: actor.organizationID)))
        }
        api.get("templates/:key") { request, context in
            let actor = try context.requireMember()
            var version: Int?
            if let text = request.uri.queryParameters["version"].map(String.init) {
                guard let value = Int(text), value >= 1 else {
                    throw APIError.badRequest("version must be a whole number, 1 or more.", errors: [Problem(path: "version", message: "not a whole number, 1 or more")])
                }
                version = value
            }
            return try JSONIO.response(
                try await services.templates.template(key: try context.parameters.require("key"), version: version, organizationID: actor.organizationID))
        }
        api.post("templates") { request, context in
            let actor = try context.requireMember()
            let data = try await JSONIO.body(of: request, context: context)
            // Template.parse reports what is wrong with a definition; nulls and unknown keys are checked here, as for every body.
            if let decoded = try? JSONDecoder().decode(Template.self, from: data) { try RequestShape.check(data, decoded: decoded) }
            let template = try await services.templates.addTemplate(data, by: actor)
            return try JSONIO.response(template, status: .created)
        }
    }

    // MARK: Handovers

    func registerHandovers(_ api: RouterGroup<AppContext>) {
        api.get("handovers") { request, context in
            let actor = try context.requireMember()
            let query = request.uri.queryParameters
            var filter = HandoverFilter()
            if let states = query["state"].map(String.init) {
                var parsed: [HandoverState] = []
                // Every comma-separated name must be a state: an empty `state=` or `draft,,closed` is a mistake, not "any".
                for text in states.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let state = HandoverState(rawValue: String(text)) else {
                        throw APIError.badRequest(
                            "state must be one or more of \(HandoverState.allCases.map(\.rawValue).joined(separator: ", ")), comma-separated.",
                            errors: [Problem(path: "state", message: "not a list of states")])
                    }
                    parsed.append(state)
                }
                filter.states = parsed
            }
            filter.accountID = query["account"].map(String.init)
            return try JSONIO.response(ListResponse(items: try await handovers.handovers(filter: filter, by: actor)))
        }
        api.post("handovers") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(CreateHandoverRequest.self, from: request, context: context)
            let handover = try await handovers.begin(
                accountID: body.accountID, recipientID: body.recipientID, templateKey: body.templateKey,
                templateVersion: body.templateVersion, content: body.content, prefill: body.prefill ?? (body.content == nil), by: actor)
            return try JSONIO.response(handover, status: .created, headers: [.eTag: ETag.make(handover.version)])
        }
        api.get("handovers/:id") { _, context in
            let actor = try context.requireMember()
            let read = try await handovers.handoverForReading(id: try context.parameters.require("id"), by: actor)
            return Response(
                status: .ok, headers: [.contentType: JSONIO.contentType, .eTag: ETag.make(read.handover.version)],
                body: .init(byteBuffer: ByteBuffer(bytes: read.json)))
        }
        api.patch("handovers/:id") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(EditHandoverRequest.self, from: request, context: context)
            guard body.content != nil || body.reviewed != nil else {
                throw APIError.badRequest("Send content, reviewed (pre-filled fields checked as they stand), or both.")
            }
            let handover = try await handovers.edit(
                id: try context.parameters.require("id"), patch: body.content ?? HandoverContent(), reviewed: body.reviewed ?? [],
                expectedVersion: try ETag.expectedVersion(request), by: actor)
            return try JSONIO.response(handover, headers: [.eTag: ETag.make(handover.version)])
        }
        api.get("handovers/:id/lint") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(try await handovers.lint(id: try context.parameters.require("id"), by: actor))
        }
        api.get("handovers/:id/events") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await handovers.events(id: try context.parameters.require("id"), by: actor)))
        }
        api.get("handovers/:id/questions") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await handovers.questions(id: try context.parameters.require("id"), by: actor)))
        }
        api.post("handovers/:id/questions") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(QuestionRequest.self, from: request, context: context)
            return try JSONIO.response(try await handovers.ask(id: try context.parameters.require("id"), body: body.body, by: actor), status: .created)
        }
        for name in HandoverEvent.names { registerTransition(api, name) }
    }

    /// `POST /handovers/:id/<name>`: one lifecycle event, with optional If-Match. The body
    /// carries the event's words: a synthesis (required), a reason (required to return) or a note.
    func registerTransition(_ api: RouterGroup<AppContext>, _ name: String) {
        api.post("handovers/:id/\(name)") { request, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            // Check visibility before reading the body, so a stranger learns nothing from validation errors.
            let read = try await handovers.handover(id: id, by: actor)
            let text: String? =
                switch name {
                case "acknowledge": try await JSONIO.decode(AcknowledgeRequest.self, from: request, context: context).synthesis
                case "return": try await JSONIO.decode(ReasonRequest.self, from: request, context: context).reason ?? ""
                case "verify": try await Self.optionalBody(NoteRequest.self, request, context)?.note
                case "cancel": try await Self.optionalBody(ReasonRequest.self, request, context)?.reason
                default: nil
                }
            guard let event = HandoverEvent(name: name, text: text) else { throw APIError.notFound("action \(name)") }
            let handover = try await handovers.transition(read, event: event, expectedVersion: try ETag.expectedVersion(request), by: actor)
            return try JSONIO.response(handover, headers: [.eTag: ETag.make(handover.version)])
        }
    }

    /// A body that may be omitted entirely.
    static func optionalBody<T: Decodable>(_ type: T.Type, _ request: Request, _ context: AppContext) async throws -> T? {
        if let length = request.headers[.contentLength], length == "0" { return nil }
        if request.headers[.contentLength] == nil && request.headers[.transferEncoding] == nil { return nil }
        return try await JSONIO.decode(type, from: request, context: context)
    }
}
