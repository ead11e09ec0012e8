// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "handover",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "handover", targets: ["handover"]),
        .executable(name: "handover-bench", targets: ["handover-bench"]),
        .library(name: "HandoverCore", targets: ["HandoverCore"]),
        .library(name: "HandoverTrust", targets: ["HandoverTrust"]),
        .library(name: "HandoverStore", targets: ["HandoverStore"]),
        .library(name: "HandoverServices", targets: ["HandoverServices"]),
        .library(name: "HandoverWire", targets: ["HandoverWire"]),
        .library(name: "HandoverServer", targets: ["HandoverServer"]),
        .library(name: "HandoverClient", targets: ["HandoverClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // /metrics: swift-metrics' API, written out by swift-prometheus in the Prometheus text format.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The SMTP client (HandoverMail): NIO sockets and TLS, both already in the graph through
        // async-http-client; named here because HandoverMail uses them directly.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // The customer's introduction: an organization-editable Mustache template (Docs/Introduction.md).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // Imports read CRM and ticket exports row by row from a stream (Docs/Imports.md).
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
    ],
    targets: [
        // Pure domain: models, templates, lint, lifecycle. Foundation only, no I/O.
        .target(
            name: "HandoverCore",
            resources: [.copy("Templates")]
        ),
        // Evidence: RFC 6962 Merkle trees and proofs, C2SP signed checkpoints, RFC 8785 canonical
        // JSON, the offline audit-bundle verifier. Pure functions over swift-crypto, no I/O.
        .target(
            name: "HandoverTrust",
            dependencies: [
                "HandoverCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Storage: one SQLKit implementation for SQLite and PostgreSQL, numbered migrations.
        .target(
            name: "HandoverStore",
            dependencies: [
                "HandoverCore",
                "HandoverTrust",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The application layer: every business and permission rule, one service per area, each
        // method taking the acting member. No HTTP: routes, pages, the CLI and jobs all call these.
        .target(
            name: "HandoverServices",
            dependencies: [
                "HandoverCore",
                "HandoverTrust",
                "HandoverStore",
                // The handover's JSON for cached reads, exactly as the API sends it.
                "HandoverWire",
                // bcrypt alone (its target depends on no HTTP code).
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                // The job runner is a Service (Hummingbird already depends on swift-service-lifecycle).
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // mail.send hands the outbox's messages to an SMTP server.
                "HandoverMail",
                // The introduction's template, rendered by a pure function (IntroductionTemplate).
                .product(name: "Mustache", package: "swift-mustache"),
                // Imports: exports streamed row by row, never read whole (ImportReader).
                .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
        // Email out: an SMTP client on SwiftNIO (STARTTLS, implicit TLS, AUTH, timeouts) and its
        // settings. The messages themselves are rendered by HandoverCore's pure MIME builder.
        .target(
            name: "HandoverMail",
            dependencies: [
                "HandoverCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The wire contract of /api/v1: every request and response body, the problem document, the
        // one JSON configuration. Shared by server, client and CLI; openapi.json documents it.
        .target(
            name: "HandoverWire",
            dependencies: ["HandoverCore"]
        ),
        // HTTP: JSON API, web pages, auth, wiring. Calls the services, never the store.
        .target(
            name: "HandoverServer",
            dependencies: [
                "HandoverCore",
                "HandoverTrust",
                "HandoverStore",
                "HandoverServices",
                "HandoverWire",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // The live thread's streams end on graceful shutdown.
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // HANDOVER_SMTP_URL's settings, parsed with the configuration.
                "HandoverMail",
                // Webhook deliveries are POSTed with it (WebhookHTTPTransport).
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            // The web pages' stylesheet and scripts are in Resources/, served under hashed URLs.
            resources: [.copy("openapi.json"), .copy("Resources")]
        ),
        // The HTTP client the CLI (and the benchmark) talk to the server with.
        .target(
            name: "HandoverClient",
            dependencies: [
                "HandoverCore",
                "HandoverWire",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // Thin executable: serve, admin, client commands.
        .executableTarget(
            name: "handover",
            dependencies: [
                "HandoverCore",
                "HandoverTrust",
                "HandoverStore",
                "HandoverServices",
                "HandoverServer",
                "HandoverClient",
                "HandoverWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                // Scrypt, for passphrase-protected signing key files.
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // serve registers mail.send with an SMTP client when SMTP is configured.
                "HandoverMail",
            ]
        ),
        // The benchmarks (api, writes, pages, audit), each beside a raw-SQL or raw-hash baseline:
        // an executable of their own, so the user-facing one has neither the verb nor the SQL.
        .executableTarget(
            name: "handover-bench",
            dependencies: [
                "HandoverCore",
                "HandoverTrust",
                "HandoverStore",
                "HandoverServices",
                "HandoverServer",
                "HandoverMail",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SQLKit", package: "sql-kit"),
            ]
        ),
        .target(
            name: "HandoverTestSupport",
            dependencies: ["HandoverCore", "HandoverStore", .product(name: "SQLKit", package: "sql-kit")],
            path: "Tests/HandoverTestSupport"
        ),
        .testTarget(name: "HandoverCoreTests", dependencies: ["HandoverCore", "HandoverTestSupport"]),
        .testTarget(name: "HandoverTrustTests", dependencies: ["HandoverTrust", "HandoverTestSupport"]),
        .testTarget(name: "HandoverStoreTests", dependencies: ["HandoverStore", "HandoverTestSupport"]),
        // The SMTP client against a real SMTP server (aiosmtpd, started by the tests).
        .testTarget(name: "HandoverMailTests", dependencies: ["HandoverMail", "HandoverCore", "HandoverTestSupport"]),
        .testTarget(
            name: "HandoverServicesTests",
            dependencies: [
                "HandoverServices", "HandoverStore", "HandoverTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "HandoverServerTests",
            dependencies: [
                "HandoverServer", "HandoverServices", "HandoverTestSupport", "HandoverClient", "HandoverTrust", "HandoverWire", "HandoverMail",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
    ]
)
