import Foundation

/// Which URLs a webhook may point at. A webhook makes the server send requests where an admin
/// says, so the rule keeps it off the server's own network (SSRF): only `https`, no user name
/// or password in the URL (they would be stored and shown in plain text), and no loopback,
/// private, link-local or unspecified address, written as a literal here and resolved again at
/// each delivery (`WebhookTransport`). `allowPrivate` (HANDOVER_WEBHOOKS_ALLOW_PRIVATE=1, for
/// development and tests) lifts the address rule and allows plain `http`.
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
        guard let host = components.host, !host.isEmpty else { return problem("has no host") }
        guard components.fragment == nil else { return problem("must not have a #fragment") }
        if !allowPrivate && isInternal(host: host) {
            return problem("points at a loopback, private or link-local address, which webhooks may not reach")
        }
        return []
    }

    /// Whether `host` names this machine or a private network: `localhost` or a literal address
    /// in a loopback, private (RFC 1918, RFC 4193), link-local, CGNAT or unspecified range.
    public static func isInternal(host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name.hasSuffix(".localhost") { return true }
        if let octets = ipv4(name) { return isInternal(ipv4: octets) }
        if name.contains(":") { return isInternal(ipv6: name) }
        return false
    }

    public static func isInternal(ipv4 octets: [Int]) -> Bool {
        switch (octets[0], octets[1]) {
        case (0, _), (10, _), (127, _): true
        case (169, 254), (192, 168): true
        case (172, 16...31): true
        case (100, 64...127): true  // carrier-grade NAT
        default: octets[0] >= 224  // multicast and reserved
        }
    }

    static func isInternal(ipv6 text: String) -> Bool {
        let name = text.split(separator: "%").first.map(String.init) ?? text
        if name == "::1" || name == "::" { return true }
        if name.hasPrefix("fc") || name.hasPrefix("fd") || name.hasPrefix("fe8") || name.hasPrefix("fe9") || name.hasPrefix("fea") || name.hasPrefix("feb") {
            return true
        }
        // An IPv4 address mapped into IPv6 is that address.
        if name.hasPrefix("::ffff:"), let octets = ipv4(String(name.dropFirst(7))) { return isInternal(ipv4: octets) }
        return false
    }

    static func ipv4(_ text: String) -> [Int]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let octets = parts.compactMap { part -> Int? in
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let value = Int(part), (0...255).contains(value) else { return nil }
            return value
        }
        return octets.count == 4 ? octets : nil
    }
}
