import ArgumentParser
import Foundation
import HandoverClient

/// Where the CLI keeps the server and token that `handover login` saved.
struct ClientConfigFile: Codable {
    var server: String
    var token: String
    var tokenID: String?

    static var path: URL {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["HANDOVER_CONFIG"], !path.isEmpty { return URL(fileURLWithPath: path) }
        let base =
            environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? environment["HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }.map { $0.appendingPathComponent(".config") }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".config")
        return base.appendingPathComponent("handover/config.json")
    }

    static func load() -> ClientConfigFile? {
        guard let data = try? Data(contentsOf: path) else { return nil }
        return try? JSONDecoder().decode(ClientConfigFile.self, from: data)
    }

    /// Written with 0600 permissions: the token is a credential.
    func save() throws {
        let url = Self.path
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let data = try JSONEncoder().encode(self)
        FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: data)
        try handle.close()
    }
}

struct ClientOptions: ParsableArguments {
    @Option(help: "Server URL (default: HANDOVER_SERVER, the one 'handover login' saved, or http://127.0.0.1:8080).")
    var server: String?

    @OptionGroup var output: OutputOptions

    var format: OutputFormat { output.format }

    func serverURL() throws -> URL {
        let text =
            server ?? ProcessInfo.processInfo.environment["HANDOVER_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ClientConfigFile.load()?.server ?? "http://127.0.0.1:8080"
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw CLIError("\"\(text)\" is not a server URL; use something like http://127.0.0.1:8080")
        }
        return url
    }

    /// A client that sends no token: signing in must not send a saved token, which may be stale
    /// or for another server, and would be refused before the password is even checked.
    func anonymousClient() throws -> HandoverAPIClient {
        HandoverAPIClient(server: try serverURL(), token: nil)
    }

    /// A client with the token from HANDOVER_TOKEN, else from the saved login.
    func client() throws -> HandoverAPIClient {
        let url = try serverURL()
        let token = ProcessInfo.processInfo.environment["HANDOVER_TOKEN"].flatMap { $0.isEmpty ? nil : $0 } ?? ClientConfigFile.load()?.token
        if token == nil {
            throw CLIError("Not signed in. Run 'handover login --server \(url.absoluteString) --email YOU', or set HANDOVER_TOKEN.")
        }
        return HandoverAPIClient(server: url, token: token)
    }
}
