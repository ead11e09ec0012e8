import Foundation

/// A real SMTP server for a test: `Tests/smtp/smtp_server.py` (aiosmtpd) on 127.0.0.1 and a
/// free port, stopped by `stop()` (or when the test process exits: it runs until its standard
/// input closes). Each accepted message is parsed back by Python's `email` package into a
/// `Received`.
///
/// The Python comes from HANDOVER_SMTP_PYTHON, else `.build-venv/bin/python` (installed by
/// `.ci/run` from Tests/smtp/requirements.txt), else python3. Without aiosmtpd the SMTP tests
/// are skipped, unless HANDOVER_SMTP_TESTS=required (CI), which makes that a failure.
public final class TestSMTPServer: @unchecked Sendable {
    public enum Mode: String, Sendable { case plain, starttls, tls, silent }

    public let port: Int
    /// The throwaway CA that signed the server's certificate (TLS modes).
    public let caFile: String?
    public let folder: URL
    private let process: ChildProcess
    private let input: Pipe

    /// Whether aiosmtpd can be run here.
    public static let available: Bool = {
        let check = ChildProcess()
        check.executableURL = URL(fileURLWithPath: python)
        check.arguments = ["-c", "import aiosmtpd"]
        check.standardOutput = FileHandle.nullDevice
        check.standardError = FileHandle.nullDevice
        do { try check.run() } catch { return false }
        check.waitUntilExit()
        return check.terminationStatus == 0
    }()

    /// HANDOVER_SMTP_TESTS=required: a missing aiosmtpd is a failure, not a skip.
    public static var required: Bool { ProcessInfo.processInfo.environment["HANDOVER_SMTP_TESTS"] == "required" }

    public static var python: String {
        if let python = ProcessInfo.processInfo.environment["HANDOVER_SMTP_PYTHON"], !python.isEmpty { return python }
        let venv = repositoryRoot.appendingPathComponent(".build-venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/python3"
    }

    static var repositoryRoot: URL {
        // Tests/HandoverTestSupport/TestSMTPServer.swift → the repository.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// - Parameter idleTimeout: seconds after which the server drops a connection that said
    ///   nothing (aiosmtpd's default is 300).
    public init(mode: Mode = .plain, user: String? = nil, password: String? = nil, onlyLogin: Bool = false, flaky: Int = 2, idleTimeout: Double? = nil) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("handover-smtp-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: Self.python)
        var arguments = [
            Self.repositoryRoot.appendingPathComponent("Tests/smtp/smtp_server.py").path, "--out", folder.path, "--mode", mode.rawValue, "--flaky", "\(flaky)",
        ]
        if let user { arguments += ["--user", user] }
        if let password { arguments += ["--password", password] }
        if onlyLogin { arguments.append("--only-login") }
        if let idleTimeout { arguments += ["--idle-timeout", "\(idleTimeout)"] }
        process.arguments = arguments
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        var port: Int?, ca: String?
        var buffered = ""
        let reader = output.fileHandleForReading
        while port == nil {
            let data = reader.availableData
            if data.isEmpty { break }
            buffered += String(decoding: data, as: UTF8.self)
            for line in buffered.split(separator: "\n") {
                if line.hasPrefix("READY ") { port = Int(line.dropFirst(6)) }
                if line.hasPrefix("CA ") { ca = String(line.dropFirst(3)) }
            }
        }
        guard let port else {
            process.terminate()
            throw TestSetupError("the test SMTP server did not start (\(Self.python) \(arguments.joined(separator: " ")))")
        }
        self.port = port
        self.caFile = ca
    }

    deinit { stop() }

    public func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// A message as the server received it and Python's `email` package read it.
    public struct Received: Decodable, Sendable {
        public struct Attachment: Decodable, Sendable {
            public var filename: String?
            public var contentType: String?
            public var method: String?
            public var content: String
        }

        public var mailFrom: String
        public var rcptTos: [String]
        public var raw: String
        public var headers: [String: String]
        public var fromAddresses: [String]
        public var fromNames: [String]
        public var toNames: [String]
        public var ccAddresses: [String]
        public var subject: String
        public var contentType: String
        public var text: String?
        public var html: String?
        public var attachments: [Attachment]
        public var defects: [String]
        public var longestLine: Int
        public var bareLineFeeds: Int
        /// The client's address and port: messages with the same peer came on one connection.
        public var peer: String?
    }

    /// Every message accepted so far, in order.
    public func received() throws -> [Received] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        return try files.map { try JSONDecoder().decode(Received.self, from: Data(contentsOf: folder.appendingPathComponent($0))) }
    }

    /// Waits up to `seconds` for `count` messages.
    public func waitForMessages(_ count: Int, seconds: Double = 10) async throws -> [Received] {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let messages = try received()
            if messages.count >= count || Date() > deadline { return messages }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
