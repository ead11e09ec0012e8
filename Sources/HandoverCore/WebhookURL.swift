import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which URLs a webhook may point at. A webhook makes the server send requests where an admin
/// says, so the rule keeps it off the server's own network (SSRF): only `https`, no user name
/// or password in the URL (they would be stored and shown in plain text), and no loopback,
/// private, link-local, reserved or unspecified address, written as a literal here and resolved
/// again at each delivery (`WebhookTransport`, which connects to the address it checked).
/// `allowPrivate` (HANDOVER_WEBHOOKS_ALLOW_PRIVATE=1, for development and tests) lifts the
/// address rule and allows plain `http`.
public enum WebhookURL {
    public static let maxLength = 2000

    public static func problems(_ text: String, allowPrivate: Bool) -> [Problem] {
        func problem(_ message: String) -> [Problem] { [Problem(path: "url", message: message)] }
        guard text.count <= maxLength else { return problem("is longer than \(maxLength) characters") }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return problem("is not a URL")
        }
        guard scheme == "https" || (allowPrivate && scheme == "http") else {
            return problem(allowPrivate ? "must be http or https" : "must be https (plain http is allowed only with HANDOVER_WEBHOOKS_ALLOW_PRIVATE=1)")
        }
        guard components.user == nil, components.password == nil else { return problem("must not hold a user name or password") }
        // The client reads the host with URL, not URLComponents: both must agree on it.
        guard let host = components.host, !host.isEmpty, let clientHost = Self.host(of: text) else { return problem("has no host") }
        guard bare(host).lowercased() == clientHost.lowercased() else { return problem("has a host that cannot be read unambiguously") }
        guard components.fragment == nil else { return problem("must not have a #fragment") }
        if let reason = bearerCredential(components) { return problem(reason) }
        switch literal(clientHost) {
        case .some(.refused): return problem("has a numeric host that is not a plain dotted-quad IPv4 or a valid IPv6 address")
        case .some(.address(let bytes)): if !allowPrivate && isInternal(address: bytes) { return internalProblem() }
        case .none: if !allowPrivate && isLocalName(clientHost) { return internalProblem() }
        }
        return []
    }

    /// Query parameters whose value is a credential when it is long enough to be one.
    static let credentialParameters: Set<String> = [
        "token", "access_token", "auth", "key", "api_key", "apikey", "sig", "signature", "secret", "password", "pass", "code", "hmac",
    ]

    /// Why a URL looks like it is itself a credential, or nil. Such a URL would be stored and shown
    /// in plain text (lists, pages, API answers), and deliveries are signed, so the receiver has no
    /// need for a secret in its URL: known token-bearing shapes and credential-named query values
    /// are refused (Docs/Webhooks.md).
    static func bearerCredential(_ components: URLComponents) -> String? {
        let host = (components.host ?? "").lowercased()
        let path = components.path.lowercased()
        if host == "hooks.slack.com" || ((host == "discord.com" || host == "discordapp.com" || host.hasSuffix(".discord.com")) && path.hasPrefix("/api/webhooks"))
            || (host.hasSuffix(".webhook.office.com") || host == "outlook.office.com") && path.contains("webhook")
        {
            return "is a chat service's webhook URL, whose path is its credential; webhooks here are signed instead: point at a receiver that checks the signature"
        }
        for item in components.queryItems ?? [] where credentialParameters.contains(item.name.lowercased()) && (item.value ?? "").count >= 8 {
            return "must not carry a credential in its query (\(item.name.prefix(40))=…): deliveries are signed, so the receiver checks the signature instead"
        }
        return nil
    }

    private static func internalProblem() -> [Problem] {
        [Problem(path: "url", message: "points at a loopback, private, link-local or reserved address, which webhooks may not reach")]
    }

    /// The host as the HTTP client reads it (Foundation's URL, brackets of an IPv6 literal removed).
    public static func host(of url: String) -> String? {
        guard let host = URL(string: url)?.host, !host.isEmpty else { return nil }
        return bare(host)
    }

    static func bare(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    /// `localhost` and its subdomains: names that never leave the machine.
    public static func isLocalName(_ host: String) -> Bool {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return name == "localhost" || name.hasSuffix(".localhost")
    }

    public enum Literal: Equatable, Sendable {
        /// 4 or 16 bytes, as `inet_pton` reads them.
        case address([UInt8])
        /// Looks numeric but is not canonical (`0177.0.0.1`, `2130706433`, `0x7f.1`, `127.1`): resolvers
        /// read these in different ways (octal, hex, packed), so none is accepted.
        case refused
    }

    /// What a host is if it is not a name: nil for a name (resolved at delivery).
    public static func literal(_ host: String) -> Literal? {
        let name = bare(host)
        if name.contains(":") {
            // A zone id (fe80::1%eth0) is link-local anyway; inet_pton refuses it.
            var address = in6_addr()
            guard inet_pton(AF_INET6, name, &address) == 1 else { return .refused }
            return .address(withUnsafeBytes(of: &address) { Array($0) })
        }
        // As the URL standard says, a host whose last label is numeric is an IPv4 address; only
        // the canonical dotted quad is taken (inet_pton's form: four decimal parts, no leading zeros).
        let labels = name.lowercased().split(separator: ".", omittingEmptySubsequences: false)
        let last = labels.last == "" ? labels.dropLast().last : labels.last
        guard let last, isNumeric(last) else { return nil }
        guard labels.count == 4, labels.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) && ($0 == "0" || !$0.hasPrefix("0")) })
        else { return .refused }
        var address = in_addr()
        guard inet_pton(AF_INET, name, &address) == 1 else { return .refused }
        return .address(withUnsafeBytes(of: &address) { Array($0) })
    }

    private static func isNumeric(_ label: Substring) -> Bool {
        if label.hasPrefix("0x") { return label.dropFirst(2).allSatisfy(\.isHexDigit) }
        return !label.isEmpty && label.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Whether `host` names this machine or a network webhooks may not reach: `localhost`, a
    /// literal in an internal range (`isInternal(address:)`), or a non-canonical numeric host.
    public static func isInternal(host: String) -> Bool {
        switch literal(host) {
        case .some(.refused): true
        case .some(.address(let bytes)): isInternal(address: bytes)
        case .none: isLocalName(bare(host))
        }
    }

    /// Whether a 4- or 16-byte address is one webhooks may not reach. IPv6 forms that carry an
    /// IPv4 address (mapped, compatible, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by it.
    public static func isInternal(address bytes: [UInt8]) -> Bool {
        if bytes.count == 4 { return isInternal(ipv4: bytes) }
        guard bytes.count == 16 else { return true }
        let head = bytes.prefix(10)
        if head.allSatisfy({ $0 == 0 }) {
            if bytes[10] == 0xff && bytes[11] == 0xff { return isInternal(ipv4: Array(bytes[12...])) }  // ::ffff:a.b.c.d
            if bytes[10] == 0 && bytes[11] == 0 { return bytes[12...].allSatisfy { $0 == 0 } || isInternal(ipv4: Array(bytes[12...])) }  // ::, ::1, ::a.b.c.d
        }
        if bytes[0...11] == [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] { return isInternal(ipv4: Array(bytes[12...])) }  // NAT64
        if bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b { return true }  // local-use NAT64 64:ff9b:1::/48
        if bytes[0] == 0x20 && bytes[1] == 0x02 { return isInternal(ipv4: Array(bytes[2...5])) }  // 6to4
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0 && bytes[3] == 0 { return true }  // Teredo: an obfuscated IPv4 inside
        if bytes[0] & 0xfe == 0xfc { return true }  // unique local fc00::/7
        if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return true }  // link-local fe80::/10
        if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0xc0 { return true }  // site-local fec0::/10 (deprecated, still routed inside some networks)
        if bytes[0] == 0xff { return true }  // multicast
        if bytes[0...7] == [0x01, 0, 0, 0, 0, 0, 0, 0] { return true }  // discard 100::/64
        return bytes[0] == 0  // the rest of ::/8 is reserved
    }

    public static func isInternal(ipv4 octets: [UInt8]) -> Bool {
        guard octets.count == 4 else { return true }
        switch (octets[0], octets[1], octets[2]) {
        case (0, _, _), (10, _, _), (127, _, _): return true
        case (169, 254, _), (192, 168, _): return true
        case (172, 16...31, _): return true
        case (100, 64...127, _): return true  // carrier-grade NAT
        case (192, 0, 0), (192, 0, 2), (198, 51, 100), (203, 0, 113): return true  // IETF protocol assignments, documentation
        case (198, 18...19, _): return true  // benchmarking
        case (192, 88, 99): return true  // 6to4 relay anycast
        default: return octets[0] >= 224  // multicast, reserved, broadcast
        }
    }
}
