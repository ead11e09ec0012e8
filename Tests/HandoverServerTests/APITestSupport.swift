import Foundation
import HandoverCore
import HandoverServer
import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverWire
import Hummingbird
import HummingbirdTesting
import HandoverTrust
import Crypto
import NIOCore
import Logging

/// An app on a fresh store with an organization, API tokens for each member and a second organization.
struct APIFixture {
    let store: SQLHandoverStore
    let org: OrgFixture
    let other: OrgFixture
    let tokens: [String: String]  // member id → bearer token
    var configuration: ServerConfiguration

    static func make(_ engine: String = "sqlite", store given: SQLHandoverStore? = nil, configure: (inout ServerConfiguration) -> Void = { _ in }) async throws
        -> APIFixture
    {
        let store: SQLHandoverStore
        if let given { store = given } else { store = try await TestDatabases.store(engine) }
        let org = try await OrgFixture.make(in: store)
        let other = try await OrgFixture.make(in: store, name: "Other")
        let admin = MemberService(store: store)
        var tokens: [String: String] = [:]
        for member in [org.admin, org.manager, org.alice, org.bob, org.carol, org.auditor, other.admin, other.alice] {
            tokens[member.id] = try await admin.createToken(for: member, name: "test", by: .operator).secret
        }
        var configuration = ServerConfiguration()
        configuration.secretKey = (0..<32).map { _ in UInt8.random(in: 0...255) }
        configure(&configuration)
        return APIFixture(store: store, org: org, other: other, tokens: tokens, configuration: configuration)
    }

    var router: Router<AppContext> { HandoverApplication.router(store: store, configuration: configuration) }

    /// Runs `body` against the app in process. Request log lines go to `logger`, quiet (warnings
    /// and up) unless a test asks to read them.
    /// `.live` runs a real HTTP server on loopback instead.
    func test(
        logger: Logger = APIFixture.quietLogger, _ mode: TestingSetup = .router, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        try await app.test(mode) { client in try await body(WireRecordingClient.wrap(client)) }
        try await store.database.close()
    }

    static let quietLogger: Logger = {
        var logger = Logger(label: "handover.test")
        logger.logLevel = .warning
        return logger
    }()

    func headers(_ member: Member?, json: Bool = true, ifMatch: String? = nil) -> HTTPFields {
        var headers: HTTPFields = [:]
        if let member, let token = tokens[member.id] { headers[.authorization] = "Bearer \(token)" }
        if json { headers[.contentType] = "application/json" }
        if let ifMatch { headers[.ifMatch] = ifMatch }
        return headers
    }
}

extension TestResponse {
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try WireJSON.decoder.decode(T.self, from: Data(body.readableBytesView))
    }

    var problem: ProblemDetails? { try? decode(ProblemDetails.self) }
}

func body(_ json: String) -> ByteBuffer { ByteBuffer(string: json) }

func body(_ value: some Encodable) throws -> ByteBuffer { ByteBuffer(bytes: try WireJSON.encoder.encode(value)) }

/// A member's signing key in tests, used the way the CLI uses one: enrol over the API, then
/// sign payloads built from the handover as the API returned it.
struct TestSigner {
    let member: Member
    let key = Curve25519.Signing.PrivateKey()

    var keyID: String { SigningKeyID.make(key.publicKey.rawRepresentation) }

    func enrolment(time: Date = Date(), member override: String? = nil, signedBy signer: Curve25519.Signing.PrivateKey? = nil) throws -> ByteBuffer {
        let payload = EnrolmentPayload(
            member: override ?? member.id, organization: member.organizationID,
            publicKey: key.publicKey.rawRepresentation.base64EncodedString(), time: RFC3339.format(time))
        var envelope = try DSSEEnvelope.sign(payload: try payload.canonicalBytes(), type: EnrolmentPayload.type, key: signer ?? key)
        envelope.signatures[0].keyid = keyID
        return try body(["envelope": envelope])
    }

    func enrol(_ client: any TestClientProtocol, _ f: APIFixture) async throws {
        try await client.execute(uri: "/api/v1/keys", method: .post, headers: f.headers(member), body: try enrolment()) { r in
            guard r.status == .created else { throw TestFailure("enrolment answered \(r.status): \(String(buffer: r.body))") }
        }
    }

    func envelope(_ payload: SignoffPayload, type: String = SignoffPayload.type) throws -> DSSEEnvelope {
        try DSSEEnvelope.sign(payload: try payload.canonicalBytes(), type: type, key: key)
    }

    /// Signs the handover as the API shows it now; `adjust` lets a test forge or age the payload.
    @discardableResult
    func sign(
        _ handoverID: String, role: SignoffRole? = nil, _ client: any TestClientProtocol, _ f: APIFixture,
        adjust: (inout SignoffPayload) -> Void = { _ in }
    ) async throws -> TestResponse {
        let handover = try await client.execute(uri: "/api/v1/handovers/\(handoverID)", method: .get, headers: f.headers(member)) { r in
            guard r.status == .ok else { throw TestFailure("GET handover as \(member.name): \(r.status) \(String(buffer: r.body))") }
            return try r.decode(Handover.self)
        }
        var payload = try SignoffPayload(signing: handover, signer: member.id, role: role ?? SignoffRules.role(of: member, in: handover), at: Date())
        adjust(&payload)
        return try await client.execute(
            uri: "/api/v1/handovers/\(handoverID)/signoffs", method: .post, headers: f.headers(member),
            body: try body(["envelope": try envelope(payload)])
        ) { $0 }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
