import Foundation
import HandoverCore
import HandoverStore
import HandoverServices
import Hummingbird
import HTTPTypes

/// The web app: server-rendered pages over the same services as the API. Every page checks the
/// organization and role through those services; every form is CSRF-checked; every POST
/// answers with a redirect (or the form again, with its errors and the user's input kept).
struct WebRoutes: Sendable {
    let services: Services
    let credentials: CredentialCache
    let configuration: ServerConfiguration

    var members: MemberService { services.members }
    var handovers: HandoverService { services.handovers }
    var pages: WebPages { WebPages(services: services) }

    func register(on router: Router<AppContext>) {
        for asset in Assets.all {
            router.get(RouterPath(asset.path)) { _, _ in asset.response }
        }
        registerSignIn(router)
        router.get("/") { request, context in
            let viewer = try Viewer(request, context)
            return Web.page(try await pages.home(viewer, flash: Web.flash(request)))
        }
        registerAccounts(router)
        router.get("/secrets/rotation") { request, context in
            let viewer = try Viewer(request, context)
            let query = request.uri.queryParameters
            // The report opens on what is still to rotate; "all" shows rotated ones too.
            let chosen = query["state"].map(String.init) ?? "open"
            let state: ExposureState? = chosen == "all" ? nil : ExposureState(rawValue: chosen) ?? .open
            func nonEmpty(_ key: String) -> String? { query[key[...]].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
            return Web.page(try await pages.rotation(viewer, state: state, accountID: nonEmpty("account"), memberID: nonEmpty("member")))
        }
        registerHandovers(router)
        registerAdmin(router)
        registerCustody(router)
        registerAccess(router)
        registerOutbox(router)
        registerBriefings(router)
        registerNotifications(router)
        registerIntroduction(router, limiter: SurveyRateLimiter())
        registerPipelines(router)
        registerAttachments(router)
        registerWebhooks(router)
        registerDepartures(router)
        registerRealignments(router)
        registerCovers(router)
        registerAnswers(router)
        registerImports(router)
        registerInsight(router)
        registerRisks(router)
        registerShifts(router)
    }

    // MARK: Sign in and out

    func registerSignIn(_ router: Router<AppContext>) {
        router.get("/login") { request, context in
            if context.member != nil, CSRF.token(for: request) != nil { return Web.redirect("/") }
            return signInPage(email: nil, error: nil, flash: Web.flash(request), status: .ok)
        }
        router.post("/login") { request, context in
            let form = try await Form.read(request, context: context)
            try CSRF.checkPreSession(form, request: request)
            let email = form.text("email") ?? ""
            let result = try await members.login(
                email: email, password: form["password"] ?? "", organizationID: form.text("organization"),
                throttle: configuration.loginLimits(email: email, address: context.sourceAddress))
            switch result {
            case .throttled(let retryAfter):
                return signInPage(email: email, error: LoginThrottle.waitMessage(retryAfter), flash: nil, status: .tooManyRequests)
            case .invalid:
                return signInPage(email: email, error: "Email or password is wrong.", flash: nil, status: .unauthorized)
            case .chooseOrganization(let organizations):
                return signInPage(
                    email: email, error: "This email and password sign in to several organizations. Choose one and sign in again.",
                    flash: nil, status: .conflict, organizations: organizations)
            case .success(let member):
                let (session, _) = try await members.startSession(for: member, lifetime: configuration.sessionLifetime)
                var response = Web.redirect("/")
                response.setCookie(configuration.sessionCookie(session))
                response.setCookie(
                    Cookie(name: CSRF.preSessionCookie, value: "", maxAge: 0, path: "/login", secure: configuration.secureCookies, httpOnly: true, sameSite: .strict))
                return response
            }
        }
        router.post("/logout") { request, context in
            let form = try await Form.read(request, context: context)
            try CSRF.check(form, request: request)
            if case .session(let digest) = context.authentication {
                defer { credentials.evict(AuthMiddleware.sessionKey(digest)) }
                try await members.endSession(digest: digest)
            }
            var response = Web.redirect("/login", done: "signed-out")
            response.setCookie(configuration.sessionCookie(""))
            return response
        }
    }

    func signInPage(email: String?, error: String?, flash: String?, status: HTTPResponse.Status, organizations: [Organization] = []) -> Response {
        // Double-submit token for the sign-in form: a fresh random value in a cookie and the form.
        let token = Secrets.newSessionValue()
        var response = Web.page(WebPages.signIn(email: email, error: error, flash: flash, csrf: token, organizations: organizations), status: status)
        response.setCookie(
            Cookie(name: CSRF.preSessionCookie, value: token, maxAge: 3600, path: "/login", secure: configuration.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    // MARK: Accounts

    func registerAccounts(_ router: Router<AppContext>) {
        router.get("/accounts") { request, context in
            let viewer = try Viewer(request, context)
            let query = request.uri.queryParameters
            var filter = AccountFilter(limit: 200)
            let typed = Form(query: request)  // free text as the browser sends it ("two+words")
            filter.search = typed["q"]
            filter.kind = query["kind"].flatMap { AccountKind(rawValue: String($0)) }
            filter.ownerID = query["owner"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            filter.tag = typed["tag"]
            return Web.page(try await pages.accounts(viewer, filter: filter))
        }
        router.get("/accounts/:id") { request, context in
            let viewer = try Viewer(request, context)
            return Web.page(try await pages.account(viewer, id: try context.parameters.require("id")))
        }
    }

    // MARK: Handovers

    func registerHandovers(_ router: Router<AppContext>) {
        router.get("/handovers/new") { request, context in
            let viewer = try Viewer(request, context)
            let accountID = request.uri.queryParameters["account"].map(String.init)
            return Web.page(try await pages.newHandover(viewer, chosen: .init(accountID: accountID)))
        }
        router.post("/handovers") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let chosen = WebPages.NewHandoverChoice(accountID: form.text("account"), recipientID: form.text("recipient"), templateKey: form.text("template"))
            do {
                guard let accountID = form.text("account"), let recipientID = form.text("recipient"), let templateKey = form.text("template") else {
                    throw HandoverError.invalid([Problem(path: "", message: "choose the account, the recipient and the template")])
                }
                let handover = try await handovers.begin(
                    accountID: accountID, recipientID: recipientID, templateKey: templateKey,
                    templateVersion: nil, content: nil, prefill: true, by: viewer.member)
                return Web.redirect("/handovers/\(handover.id)", done: "created")
            } catch let error as HandoverError {
                guard case .openHandoverExists(let accountName, let handoverID) = error else {
                    return Web.page(try await pages.newHandover(viewer, chosen: chosen, problems: WebPages.problems(error)), status: WebPages.status(error))
                }
                // Say which account, and lead to the handover that is open; the form keeps its choices.
                let link: HTML =
                    handoverID.map { "<p><a id=\"open-handover-link\" href=\"/handovers/\($0)\">Go to the open handover of \(accountName)</a></p>" } ?? .empty
                let refusal: HTML = "<div id=\"errors\" role=\"alert\"><p>\(error.message)</p>\(link)</div>"
                return Web.page(try await pages.newHandover(viewer, chosen: chosen, refusal: refusal), status: .conflict)
            } catch StoreError.conflict(let message) {
                return Web.page(try await pages.newHandover(viewer, chosen: chosen, problems: [Problem(path: "", message: message)]), status: .conflict)
            }
        }
        router.get("/handovers/:id") { request, context in
            let viewer = try Viewer(request, context)
            return Web.page(try await pages.handover(viewer, id: try context.parameters.require("id"), flash: Web.flash(request)))
        }
        router.get("/handovers/:id/thread/live") { request, context in
            let viewer = try Viewer(request, context)
            guard case .session(let digest) = context.authentication else { throw APIError.unauthorized("Sign in to continue.") }
            return try await ThreadStream.response(id: try context.parameters.require("id"), viewer: viewer.member, handovers: handovers) {
                [members] in try await members.authenticate(sessionDigest: digest)
            }
        }
        router.get("/handovers/:id/report") { request, context in
            let viewer = try Viewer(request, context)
            return Web.page(try await pages.report(viewer, id: try context.parameters.require("id")))
        }
        router.post("/handovers/:id/save") { request, context in
            try await save(request, context, thenSubmit: false)
        }
        router.post("/handovers/:id/submit") { request, context in
            try await save(request, context, thenSubmit: true)
        }
        router.post("/handovers/:id/questions") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id")
            do {
                _ = try await handovers.ask(id: id, body: form["question"] ?? "", by: viewer.member)
                return Web.redirect("/handovers/\(id)#questions", done: "asked")
            } catch let error as HandoverError {
                return Web.page(try await pages.handover(viewer, id: id, problems: WebPages.problems(error), typed: form.values), status: WebPages.status(error))
            }
        }
        router.get("/handovers/:id/certificate") { request, context in
            let viewer = try Viewer(request, context)
            return Web.page(try await pages.certificate(viewer, id: try context.parameters.require("id")))
        }
        router.post("/handovers/:id/signoff") { request, context in
            try await signoff(request, context)
        }
        router.post("/handovers/:id/:action") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id")
            let action = try context.parameters.require("action")
            // The forms name their words after what the event takes; submit has its own route (it saves first).
            let text: String? =
                switch action {
                case "acknowledge": form["synthesis"]
                case "return": form["reason"]
                case "verify": form.text("note")
                default: form.text("reason")  // cancel; the others take no words
                }
            guard action != "submit", let event = HandoverEvent(name: action, text: text) else { throw APIError.notFound("action \(action)") }
            do {
                let done = try await handovers.transition(id: id, event: event, expectedVersion: form.text("version").flatMap(Int.init), by: viewer.member)
                return Web.redirect("/handovers/\(id)", done: ["returned": "returned"][done.state.rawValue] ?? (action == "revise" ? "revised" : done.state.rawValue))
            } catch let error as HandoverError {
                return Web.page(try await pages.handover(viewer, id: id, problems: WebPages.problems(error), typed: form.values), status: WebPages.status(error))
            } catch StoreError.stale {
                return Web.page(
                    try await pages.handover(
                        viewer, id: id,
                        problems: [Problem(path: "", message: "Someone changed this handover while you were reading it. Check the page again, then repeat your action.")],
                        typed: form.values), status: .conflict)
            }
        }
    }

    /// A sign-off from the page's script: the envelope it signed, and the enrolment of the
    /// browser's key when it made one. Both go through the same checks as the API.
    func signoff(_ request: Request, _ context: AppContext) async throws -> Response {
        let (viewer, form) = try await Viewer.posting(request, context)
        let id = try context.parameters.require("id")
        func refuse(_ message: String, status: HTTPResponse.Status = .unprocessableContent) async throws -> Response {
            Web.page(try await pages.handover(viewer, id: id, problems: [Problem(path: "", message: message)]), status: status)
        }
        let decoder = JSONDecoder()
        guard let envelopeText = form.text("envelope"), let envelope = try? decoder.decode(DSSEEnvelope.self, from: Data(envelopeText.utf8)) else {
            return try await refuse("This browser did not sign (is JavaScript on?). Sign with the CLI instead: handover sign \(id)")
        }
        do {
            if let enrolmentText = form.text("enrolment") {
                guard let enrolment = try? decoder.decode(DSSEEnvelope.self, from: Data(enrolmentText.utf8)) else {
                    return try await refuse("The browser's key enrolment was unreadable.")
                }
                _ = try await handovers.enrolKey(enrolment, origin: "browser", by: viewer.member)
            }
            let signoff = try await handovers.signoff(id: id, envelope: envelope, authentication: context.authenticationDescription, by: viewer.member)
            return Web.redirect("/handovers/\(id)#signoffs", done: "signed-\(signoff.role.rawValue)")
        } catch let error as HandoverError {
            return Web.page(try await pages.handover(viewer, id: id, problems: WebPages.problems(error)), status: WebPages.status(error))
        } catch let error as APIError {
            return try await refuse(error.detail, status: error.status)
        } catch let error as StoreError {
            let mapped = APIError.from(error)
            return try await refuse(mapped.detail, status: mapped.status)
        }
    }

    /// Saves the editor form (and submits it). Never loses what was typed: on any refusal the
    /// editor comes back with the posted values and the reasons.
    func save(_ request: Request, _ context: AppContext, thenSubmit: Bool) async throws -> Response {
        let (viewer, form) = try await Viewer.posting(request, context)
        let id = try context.parameters.require("id")
        let autosave = request.headers[HTTPField.Name("X-Autosave")!] != nil
        let (current, _) = try await handovers.handover(id: id, by: viewer.member)
        let template = try await services.templates.template(key: current.templateKey, version: current.templateVersion, organizationID: viewer.member.organizationID)
        var typed = current.content
        do {
            // Only what changed: an unchanged pre-filled field posted back is not reviewed by it.
            let patch = PrefillReview.changes(try EditorForm.patch(from: form, template: template).get(), to: current.content)
            typed = current.content.merging(patch)
            let expected = form.text("version").flatMap(Int.init)
            let checked = PrefillNote.checked(in: form, prefill: current.prefill)
            var saved = current
            if typed != current.content || expected != current.version || !checked.isEmpty {
                saved = try await handovers.edit(id: id, patch: patch, reviewed: checked, expectedVersion: expected, by: viewer.member)
            }
            if autosave {
                let report = try await handovers.lint(id: id, by: viewer.member)
                return Web.fragment(WebPages.lintPanel(report, template: template), headers: [HTTPField.Name("X-Handover-Version")!: String(saved.version)])
            }
            if thenSubmit {
                _ = try await handovers.transition(id: id, event: .submit, expectedVersion: saved.version, by: viewer.member)
                return Web.redirect("/handovers/\(id)", done: "submitted")
            }
            return Web.redirect("/handovers/\(id)#lint", done: "saved")
        } catch let error as HandoverError {
            // The handover left the draft state while this form was open (the check is on what was
            // read before saving): say so and offer what was typed, instead of "please fix".
            let stale = !Access.canEditContent(current, editor: viewer.member) && current.transferorID == viewer.member.id
            if autosave {
                var message = stale ? "this handover is no longer a draft. Press Save draft to see what you typed and keep it." : error.message
                var offers = HTML.empty
                if !stale, case .credentialInText(let findings) = error {
                    message = SaveRefusal.credentialsSentence(findings, template: template)
                    offers = SealInstead.offers(findings, typed: typed, template: template)
                }
                return Web.fragment("<p>\(message)</p>\(offers)", status: WebPages.status(error))
            }
            if stale { return Web.page(try await pages.handover(viewer, id: id, refusal: .notEditable(typed: typed)), status: .conflict) }
            if case .credentialInText(let findings) = error {
                return Web.page(
                    try await pages.handover(viewer, id: id, refusal: .credentialInText(findings, typed: typed)), status: WebPages.status(error))
            }
            if case .lintBlocked(let report) = error {
                return Web.page(try await pages.handover(viewer, id: id, editing: typed, refusal: .lintBlocked(report)), status: WebPages.status(error))
            }
            return Web.page(try await pages.handover(viewer, id: id, problems: WebPages.problems(error), editing: typed), status: WebPages.status(error))
        } catch StoreError.stale {
            if autosave {
                return Web.fragment("<p>this draft was saved from another tab or window. Press Save draft to see what changed and keep your text.</p>", status: .conflict)
            }
            return Web.page(try await pages.handover(viewer, id: id, refusal: .versionChanged(typed: typed)), status: .conflict)
        }
    }

    // MARK: Admin

    func registerAdmin(_ router: Router<AppContext>) {
        router.get("/admin") { request, context in
            let viewer = try Viewer(request, context)
            return Web.page(try await pages.admin(viewer, flash: Web.flash(request)))
        }
        router.post("/admin/members") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let chosen = form.text("password")
            do {
                guard let role = form.text("role").flatMap(Role.init(rawValue:)) else {
                    throw HandoverError.invalid([Problem(path: "role", message: "choose a role")])
                }
                let password = chosen ?? Secrets.newPassword()
                let member = try await members.createMember(
                    email: form.text("email") ?? "", name: form.text("name") ?? "", role: role,
                    managerID: form.text("manager"), password: password, by: viewer.member)
                let notice = chosen == nil ? "\(member.name) added. Their first password, shown only now: \(password)" : "\(member.name) added."
                return Web.page(try await pages.admin(viewer, flash: notice))
            } catch let error as HandoverError {
                return Web.page(try await pages.admin(viewer, problems: WebPages.problems(error), typed: form.values), status: WebPages.status(error))
            } catch StoreError.conflict(let message) {
                return Web.page(try await pages.admin(viewer, problems: [Problem(path: "email", message: message)], typed: form.values), status: .conflict)
            }
        }
        router.post("/admin/tokens") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            guard let name = form.text("name") else {
                return Web.page(
                    try await pages.admin(viewer, problems: [Problem(path: "name", message: "name the token after where it will be used")]), status: .unprocessableContent
                )
            }
            do {
                let (_, secret) = try await members.createToken(for: viewer.member, name: name, by: AuditActor(member: viewer.member.id))
                return Web.page(try await pages.admin(viewer, newToken: secret))
            } catch let error as HandoverError {
                return Web.page(try await pages.admin(viewer, problems: WebPages.problems(error), typed: form.values), status: WebPages.status(error))
            }
        }
        router.post("/admin/tokens/:id/revoke") { request, context in
            let (viewer, _) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id")
            defer { credentials.evictAll() }
            try await members.revokeToken(id: id, by: viewer.member)
            return Web.redirect("/admin", done: "revoked")
        }
        router.post("/admin/templates") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            do {
                _ = try await services.templates.addTemplate(Data((form["template"] ?? "").utf8), by: viewer.member)
                return Web.redirect("/admin", done: "template")
            } catch let error as HandoverError {
                return Web.page(try await pages.admin(viewer, problems: WebPages.problems(error), typed: form.values), status: WebPages.status(error))
            } catch StoreError.conflict(let message) {
                return Web.page(try await pages.admin(viewer, problems: [Problem(path: "template", message: message)], typed: form.values), status: .conflict)
            }
        }
    }
}

/// The signed-in member behind a page request, with their form token. Pages need a browser
/// session: without one, `ErrorPage` sends the browser to sign in.
struct Viewer: Sendable {
    let member: Member
    let csrf: String

    init(member: Member, csrf: String) {
        self.member = member
        self.csrf = csrf
    }

    init(_ request: Request, _ context: AppContext) throws {
        guard let member = context.member, case .session = context.authentication, let csrf = CSRF.token(for: request) else {
            throw APIError.unauthorized("Sign in to continue.")
        }
        self.member = member
        self.csrf = csrf
    }

    /// A form post: the viewer, and the form once its CSRF token checks out.
    static func posting(_ request: Request, _ context: AppContext, limit: Int? = nil) async throws -> (Viewer, Form) {
        let viewer = try Viewer(request, context)
        let form = try await Form.read(request, context: context, limit: limit)
        try CSRF.check(form, request: request)
        return (viewer, form)
    }
}
