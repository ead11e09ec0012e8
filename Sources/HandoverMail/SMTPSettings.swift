import Foundation
import HandoverCore

/// Where and how mail goes out, from `HANDOVER_SMTP_URL`:
/// `smtp://user:pass@host:587?starttls=required`, `smtps://user:pass@host:465` (implicit TLS),
/// with `starttls=required|opportunistic|never` (default required for smtp://), `ca=/path.pem`
/// (trust this CA as well as the system's: for a test server's throwaway certificate) and
/// `auth=plain-ok` (allow AUTH without TLS: accepted only for a loopback host, for tests).
/// Certificates are always verified; nothing here turns that off.
public struct SMTPSettings: Sendable, Equatable {
    public enum Security: String, Sendable, Equatable {
        /// TLS from the first byte (smtps://, usually port 465).
        case implicitTLS = "implicit TLS"
        /// STARTTLS or give up: the server must offer it.
        case startTLSRequired = "STARTTLS required"
        /// STARTTLS when offered, plain otherwise (credentials then refused unless auth=plain-ok).
        case startTLSOpportunistic = "STARTTLS when offered"
        /// Plain text throughout.
        case none = "no TLS"
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// A PEM file of extra CA certificates to trust.
    public var caFile: String?
    /// AUTH over a connection without TLS (loopback only).
    public var allowPlainAuth: Bool
    /// Seconds to wait for the TCP (and TLS) connection, and for each of the server's replies.
    public var connectTimeout: TimeInterval
    public var replyTimeout: TimeInterval
    /// The name said in EHLO.
    public var heloName: String

    public init(
        host: String, port: Int, security: Security, username: String? = nil, password: String? = nil, caFile: String? = nil,
        allowPlainAuth: Bool = false, connectTimeout: TimeInterval = 10, replyTimeout: TimeInterval = 60, heloName: String = "handover.local"
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.caFile = caFile
        self.allowPlainAuth = allowPlainAuth
        self.connectTimeout = connectTimeout
        self.replyTimeout = replyTimeout
        self.heloName = heloName
    }

    /// Parses `HANDOVER_SMTP_URL`. User and password are percent-decoded (a password with "@"
    /// or ":" is written %40, %3A).
    public init(url text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), let host = components.host, !host.isEmpty
        else {
            throw Invalid("HANDOVER_SMTP_URL must look like smtp://user:pass@host:587?starttls=required or smtps://user:pass@host:465")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name.lowercased(), $0.value ?? "") }, uniquingKeysWith: { $1 })
        let known: Set<String> = ["starttls", "ca", "auth", "timeout", "helo"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw Invalid("HANDOVER_SMTP_URL has an unknown setting \"\(unknown)\" (known: starttls, ca, auth, timeout, helo)")
        }
        let security: Security
        switch scheme {
        case "smtps":
            guard query["starttls"] == nil else { throw Invalid("smtps:// is TLS from the start: starttls= does not apply") }
            security = .implicitTLS
        case "smtp":
            switch query["starttls"]?.lowercased() ?? "required" {
            case "required": security = .startTLSRequired
            case "opportunistic": security = .startTLSOpportunistic
            case "never": security = .none
            case let other: throw Invalid("starttls must be required, opportunistic or never, not \"\(other)\"")
            }
        default:
            throw Invalid("HANDOVER_SMTP_URL must start with smtp:// or smtps://, not \(scheme)://")
        }
        let port = components.port ?? (security == .implicitTLS ? 465 : 587)
        guard (1...65535).contains(port) else { throw Invalid("HANDOVER_SMTP_URL's port must be 1 to 65535") }
        self.init(host: host, port: port, security: security)
        username = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 }
        password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        if password != nil, username == nil { throw Invalid("HANDOVER_SMTP_URL has a password but no user name") }
        if let ca = query["ca"] {
            guard !ca.isEmpty, FileManager.default.isReadableFile(atPath: ca) else { throw Invalid("the CA file ca=\(ca) cannot be read") }
            caFile = ca
        }
        if let auth = query["auth"] {
            guard auth == "plain-ok" else { throw Invalid("auth= takes only plain-ok (AUTH without TLS, for a loopback test server)") }
            guard Self.isLoopback(host) else {
                throw Invalid(
                    "auth=plain-ok is only for a server on this machine (127.0.0.1, ::1, localhost): elsewhere a password must not cross the network in the clear")
            }
            allowPlainAuth = true
        }
        if let timeout = query["timeout"] {
            guard let seconds = Double(timeout), (0.1...600).contains(seconds) else { throw Invalid("timeout= is 0.1 to 600 seconds, not \"\(timeout)\"") }
            connectTimeout = seconds
            replyTimeout = seconds
        }
        if let helo = query["helo"] {
            guard !helo.isEmpty, helo.utf8.allSatisfy({ (33...126).contains($0) }) else { throw Invalid("helo= is one printable ASCII word") }
            heloName = helo
        }
        if security == .none, username != nil, !allowPlainAuth {
            throw Invalid("starttls=never with a user name would send the password in the clear; use TLS (or auth=plain-ok on loopback)")
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return bare == "localhost" || bare == "::1" || bare.hasPrefix("127.")
    }

    /// The URL with the password masked, for start-up output and logs.
    public var masked: String {
        var text = (security == .implicitTLS ? "smtps://" : "smtp://")
        if let username { text += (username.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? "?") + (password == nil ? "" : ":***") + "@" }
        text += (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
        var settings: [String] = []
        switch security {
        case .startTLSRequired: settings.append("starttls=required")
        case .startTLSOpportunistic: settings.append("starttls=opportunistic")
        case .none: settings.append("starttls=never")
        case .implicitTLS: break
        }
        if let caFile { settings.append("ca=\(caFile)") }
        if allowPlainAuth { settings.append("auth=plain-ok") }
        return settings.isEmpty ? text : text + "?" + settings.joined(separator: "&")
    }

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }
}
