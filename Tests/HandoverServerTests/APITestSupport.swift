import Foundation
import HandoverCore
import HandoverServer
import HandoverStore
import HandoverTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore

/// An app on a fresh store with an organization, API tokens for each member and a second organization.
struct APIFixture {
    let store: SQLHandoverStore
    let org: OrgFixture
    let other: OrgFixture
    let tokens: [String: String]   // member id → bearer token
    var configuration: ServerConfiguration

    static func make(_ engine: String = "sqlite", configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> APIFixture {
        let store = try await TestDatabases.store(engine)
        let org = try await OrgFixture.make(in: store)
        let other = try await OrgFixture.make(in: store, name: "Other")
        let admin = AdminService(store: store)
        var tokens: [String: String] = [:]
        for member in [org.admin, org.manager, org.alice, org.bob, org.carol, org.auditor, other.admin, other.alice] {
            tokens[member.id] = try await admin.createToken(for: member, name: "test").secret
        }
        var configuration = ServerConfiguration()
        configuration.secretKey = (0..<32).map { _ in UInt8.random(in: 0...255) }
        configure(&configuration)
        return APIFixture(store: store, org: org, other: other, tokens: tokens, configuration: configuration)
    }

    var router: Router<AppContext> { HandoverApplication.router(store: store, configuration: configuration) }

    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: router)
        try await app.test(.router, body)
        try await store.database.close()
    }

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
        try JSONDecoder.api.decode(T.self, from: Data(body.readableBytesView))
    }

    var problem: ProblemDetails? { try? decode(ProblemDetails.self) }
}

extension JSONDecoder {
    static let api: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            return try Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        }
        return decoder
    }()
}

func body(_ json: String) -> ByteBuffer { ByteBuffer(string: json) }

func body(_ value: some Encodable) throws -> ByteBuffer { ByteBuffer(bytes: try JSONEncoder().encode(value)) }

struct Items<T: Decodable>: Decodable { var items: [T] }
