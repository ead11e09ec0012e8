import AsyncHTTPClient
import Foundation
import HandoverCore
import HandoverServer
import HandoverServices
import HandoverStore
import HandoverTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Testing

/// What several people doing things at the same moment do to the server, over real HTTP on
/// loopback: bounded in count (a few dozen requests a burst) and time (30 s per request).
@Suite struct ConcurrencyTests {
    static let writers = 32

    /// 32 writers on 32 rows all succeed; 32 writers on one row with the same `If-Match`:
    /// exactly one wins, the rest are told it changed. Never a 5xx, on either engine.
    @Test(arguments: TestDatabases.engines) func concurrentWritersNeverFailAndExactlyOneWinsASharedRow(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        var accounts: [Account] = []
        for index in 0..<Self.writers { accounts.append(try await f.org.account(f.org.alice, in: f.store, name: "Parallel \(index)")) }
        let ids = accounts.map(\.id)
        let firstVersion = accounts[0].version
        let token = try #require(f.tokens[f.org.alice.id])
        try await f.testLive { http, base in
            // Distinct rows, with reads of the caller mixed in.
            let distinct = try await withThrowingTaskGroup(of: (Int, UInt).self) { group in
                for (index, id) in ids.enumerated() {
                    group.addTask {
                        (index, try await http.send(.PATCH, base + "/api/v1/accounts/\(id)", token: token, json: #"{"name": "Renamed \#(index)"}"#).status.code)
                    }
                    group.addTask { (-1, try await http.send(.GET, base + "/api/v1/me", token: token).status.code) }
                }
                return try await group.reduce(into: [:]) { $0[$1.0, default: []].append($1.1) }
            }
            #expect(distinct.values.joined().allSatisfy { $0 == 200 }, "statuses: \(distinct)")
            for (index, id) in ids.enumerated() {
                #expect(try await f.store.account(id: id, organizationID: f.org.organization.id)?.name == "Renamed \(index)")
            }

            // One row, everyone holding the same version.
            let shared = ids[0]
            let etag = try #require(try await http.send(.GET, base + "/api/v1/accounts/\(shared)", token: token).headers.first(name: "ETag"))
            let contested = try await withThrowingTaskGroup(of: UInt.self) { group in
                for index in 0..<Self.writers {
                    group.addTask {
                        try await http.send(.PATCH, base + "/api/v1/accounts/\(shared)", token: token, json: #"{"name": "Winner \#(index)"}"#, ifMatch: etag).status.code
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(contested.filter { $0 == 200 }.count == 1, "statuses: \(contested)")
            #expect(contested.allSatisfy { [200, 409, 412].contains($0) }, "statuses: \(contested)")
            let after = try #require(try await f.store.account(id: shared, organizationID: f.org.organization.id))
            #expect(after.name.hasPrefix("Winner ") && after.version == firstVersion + 2)
        }
    }

    /// Bursts of wrong passwords at once check at most the configured number; the rest wait.
    @Test(arguments: TestDatabases.engines) func parallelWrongPasswordsCheckAtMostTheLimit(engine: String) async throws {
        let f = try await APIFixture.make(engine) {
            $0.maxFailedLogins = 5; $0.maxFailedLoginsPerAddress = 1000
        }
        let member = try await MemberService(store: f.store).createMember(
            organizationID: f.org.organization.id, email: "burst-\(UUID().uuidString.prefix(8))@example.com",
            name: "Burst", role: .member, managerID: nil, password: "correct horse battery", by: .operator)
        try await f.testLive { http, base in
            var statuses: [UInt] = []
            for _ in 0..<4 {
                statuses += try await withThrowingTaskGroup(of: UInt.self) { group in
                    for _ in 0..<12 {
                        group.addTask {
                            try await http.send(.POST, base + "/api/v1/auth/login", json: #"{"email": "\#(member.email)", "password": "wrong password!"}"#).status.code
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(statuses.filter { $0 == 401 }.count == 5, "statuses: \(statuses)")
            #expect(statuses.filter { $0 == 429 }.count == 43, "statuses: \(statuses)")
            // Even the right password waits out the window now.
            let right = try await http.send(.POST, base + "/api/v1/auth/login", json: #"{"email": "\#(member.email)", "password": "correct horse battery"}"#)
            #expect(right.status.code == 429 && right.headers.first(name: "Retry-After") != nil)
        }
    }

    /// One address trying a password on many emails is stopped by the per-address limit.
    @Test func oneAddressCannotSprayManyEmails() async throws {
        let f = try await APIFixture.make {
            $0.maxFailedLogins = 5; $0.maxFailedLoginsPerAddress = 6
        }
        try await f.testLive { http, base in
            var statuses: [UInt] = []
            for index in 0..<10 {
                statuses.append(
                    try await http.send(
                        .POST, base + "/api/v1/auth/login",
                        json: #"{"email": "spray-\#(index)-\#(UUID().uuidString.prefix(6))@example.com", "password": "guess one"}"#
                    ).status.code)
            }
            #expect(statuses == Array(repeating: 401, count: 6) + Array(repeating: 429, count: 4), "statuses: \(statuses)")
        }
    }
}

extension APIFixture {
    /// Runs `body` against the app served over real HTTP on a loopback port.
    func testLive(_ body: @escaping @Sendable (HTTPClient, String) async throws -> Void) async throws {
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: APIFixture.quietLogger)
        // A connection per concurrent request, so that requests meet at the server, not in
        // the client's pool; generous timeouts, as bcrypt is slow on a busy debug build.
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(30), read: .seconds(30)))
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 2 * ConcurrencyTests.writers)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            try await app.test(.live) { client in
                try await body(http, "http://127.0.0.1:\(try #require(client.port))")
            }
        } catch {
            try? await http.shutdown()
            try? await store.database.close()
            throw error
        }
        try await http.shutdown()
        try await store.database.close()
    }
}

extension HTTPClient {
    func text(_ url: String) async throws -> String {
        let response = try await execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        return String(buffer: try await response.body.collect(upTo: 1 << 22))
    }

    func send(_ method: HTTPMethod, _ url: String, token: String? = nil, json: String? = nil, ifMatch: String? = nil) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        if let ifMatch { request.headers.add(name: "If-Match", value: ifMatch) }
        let response = try await execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return response
    }
}
