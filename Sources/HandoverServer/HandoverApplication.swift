import Foundation
import HandoverCore
import HandoverStore
import HandoverServices
import Hummingbird
import HTTPTypes
import Logging

/// Wires configuration, storage, services and routes into a Hummingbird application.
public enum HandoverApplication {
    /// The router with every route and middleware; tests drive it in-process.
    public static func router(store: any HandoverStore, configuration: ServerConfiguration) -> Router<AppContext> {
        router(services: services(store: store, configuration: configuration), configuration: configuration)
    }

    public static func router(services: Services, configuration: ServerConfiguration) -> Router<AppContext> {
        // HEAD wherever GET (RFC 9110 9.1: general-purpose servers support both).
        let router = Router(context: AppContext.self, options: .autoGenerateHeadEndpoints)
        // Outermost first: the request log sees every answer; security headers go on every
        // answer, problem details included.
        let metrics = ServerMetrics()
        router.add(middleware: RequestLogMiddleware(metrics: metrics))
        router.add(middleware: ServerTimingMiddleware())
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: ReadThreadsMiddleware(executor: services.operations.readExecutor))
        let credentials = CredentialCache(ttl: configuration.readCacheTTL)
        router.add(middleware: AuthMiddleware(members: services.members, bodyLimit: configuration.maxBodySize, credentials: credentials))
        APIRoutes(services: services, credentials: credentials, metrics: metrics, configuration: configuration).register(on: router)
        AuditRoutes(audit: services.audit).register(on: router)
        SignoffRoutes(handovers: services.handovers, audit: services.audit).register(on: router)
        SecretRoutes(secrets: services.secrets).register(on: router)
        CustodyRoutes(custody: services.custody).register(on: router)
        AccessRoutes(access: services.access).register(on: router)
        OutboxRoutes(outbox: services.outbox).register(on: router)
        BriefingRoutes(briefings: services.briefings).register(on: router)
        NotificationRoutes(notifications: services.notifications).register(on: router)
        IntroductionRoutes(introductions: services.introductions, followUps: services.followUps).register(on: router)
        PipelineRoutes(pipelines: services.pipelines).register(on: router)
        AttachmentRoutes(attachments: services.attachments).register(on: router)
        DepartureRoutes(departures: services.departures, members: services.members, credentials: credentials).register(on: router)
        RealignmentRoutes(realignments: services.realignments).register(on: router)
        CoverRoutes(covers: services.covers).register(on: router)
        ShiftRoutes(shifts: services.shifts).register(on: router)
        AnswerRoutes(answers: services.answers).register(on: router)
        ImportRoutes(imports: services.imports).register(on: router)
        InsightRoutes(insight: services.insight).register(on: router)
        DepartureWebRoutes(members: services.members, credentials: credentials).register(on: router)
        WebhookRoutes(webhooks: services.webhooks).register(on: router)
        ScimRoutes(scim: services.scim, credentials: credentials).register(on: router)
        WebRoutes(services: services, credentials: credentials, configuration: configuration).register(on: router)
        // Last, so that it sees every route and wraps only the not-found answer.
        router.add(middleware: MethodNotAllowedMiddleware(routes: RouteMethods(router.routes, headForGet: true)))
        return router
    }

    public static func make(
        store: any HandoverStore, configuration: ServerConfiguration, logger: Logger? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        make(services: services(store: store, configuration: configuration), configuration: configuration, logger: logger, onServerRunning: onServerRunning)
    }

    /// The services as the server configures them (bcrypt cost, log keys, read cache).
    public static func services(store: any HandoverStore, configuration: ServerConfiguration) -> Services {
        Services(
            store: store, passwords: Passwords(cost: configuration.bcryptCost), logKeys: configuration.logKeys, readCacheTTL: configuration.readCacheTTL,
            mail: configuration.mailSettings, attachments: configuration.attachmentSettings,
            webhooks: WebhookSettings(allowPrivate: configuration.webhooksAllowPrivate), idempotencyLease: configuration.idempotencyLease,
            imports: configuration.importSettings)
    }

    public static func make(
        services: Services, configuration: ServerConfiguration, logger: Logger? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let logger = logger ?? Logger(label: "handover")
        return Application(
            router: router(services: services, configuration: configuration),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "handover"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
    }
}

/// `Server-Timing: app;dur=…` on every answer: the time from the request reaching the router to
/// the response being ready (bodies are built in full before they are returned). Browsers show it
/// in their developer tools; `handover-bench pages` reads it.
struct ServerTimingMiddleware: RouterMiddleware {
    typealias Context = AppContext

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        response.headers[HTTPField.Name("Server-Timing")!] = "app;dur=" + String(format: "%.3f", ms)
        return response
    }
}

/// Runs GET and HEAD requests on the store's read threads (SQLite), so that the credential
/// check and the reads after it do not hop between threads: measured, the hops were most of an
/// uncached read's cost. Writes stay on the shared pool (bcrypt, and the writer has its own).
struct ReadThreadsMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let executor: (any TaskExecutor)?

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        guard let executor, request.method == .get || request.method == .head else { return try await next(request, context) }
        return try await withTaskExecutorPreference(executor) { try await next(request, context) }
    }
}

/// Conservative security headers on every response.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppContext

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.cacheControl] = response.headers[.cacheControl] ?? "no-store"
        response.headers[values: HTTPField.Name("Referrer-Policy")!] = ["no-referrer"]
        return response
    }
}

/// The OpenAPI document describing every route, shipped as a resource.
enum OpenAPIDocument {
    static let data: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
            let data = try? Data(contentsOf: url)
        else { return Data("{}".utf8) }
        return data
    }()

    static func response() throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
