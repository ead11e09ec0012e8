import Crypto
import Foundation
@testable import HandoverServer
import HandoverTestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import NIOCore
import Testing

/// The stylesheet and scripts: served under URLs that name their content, cached for good, and
/// referenced by the pages under exactly those URLs.
@Suite struct AssetTests {
    @Test func pagesLinkTheHashedAssetsThatAreServedImmutable() async throws {
        let f = try await APIFixture.make()
        try await f.test { client in
            let html = try await client.execute(uri: "/login", method: .get) { String(buffer: $0.body) }
            let css = try #require(html.firstMatch(of: #/<link rel="stylesheet" href="(/assets/app\.[0-9a-f]{12}\.css)">/#)?.output.1)
            let js = try #require(html.firstMatch(of: #/<script src="(/assets/app\.[0-9a-f]{12}\.js)" defer>/#)?.output.1)
            for path in [String(css), String(js), Assets.signoffScript.path] {
                try await client.execute(uri: path, method: .get) { r in
                    #expect(r.status == .ok, "\(path)")
                    #expect(r.headers[.cacheControl] == "public, max-age=31536000, immutable")
                    #expect(r.headers[.contentType]?.hasPrefix(path.hasSuffix(".css") ? "text/css" : "text/javascript") == true)
                    #expect(r.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                    // The URL's hash is the served bytes' SHA-256, computed here independently.
                    let digest = SHA256.hash(data: Array(buffer: r.body)).map { String(format: "%02x", $0) }.joined()
                    let named = path.split(separator: ".").dropLast().last.map(String.init)
                    #expect(named == String(digest.prefix(12)), "\(path) holds bytes with SHA-256 \(digest)")
                    #expect(r.body.readableBytes > 500)
                }
            }
        }
    }

    @Test func aWrongOrMissingHashIsNotFound() async throws {
        let f = try await APIFixture.make()
        try await f.test { client in
            let stale = Assets.javascript.path.replacingOccurrences(of: #"\.[0-9a-f]{12}\."#, with: ".000000000000.", options: .regularExpression)
            #expect(stale != Assets.javascript.path)
            for path in [stale, "/assets/app.js", "/assets/app.css", "/assets/signoff.js"] {
                try await client.execute(uri: path, method: .get) { r in #expect(r.status == .notFound, "\(path)") }
            }
        }
    }

    @Test func theHashFollowsTheContent() {
        let one = Asset("x.js", contentType: "text/javascript", data: Data("one".utf8))
        let two = Asset("x.js", contentType: "text/javascript", data: Data("two".utf8))
        #expect(one.path != two.path)
        #expect(one.path == "/assets/x.\(SHA256.hash(data: Data("one".utf8)).map { String(format: "%02x", $0) }.joined().prefix(12)).js")
    }
}
