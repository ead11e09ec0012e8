import Foundation

/// Finds values that look like credentials in plain text. Credentials must travel sealed,
/// never in a handover's readable fields; this catches the common shapes people paste.
public enum CredentialDetector {
    public struct Match: Sendable, Hashable {
        public var kind: String
    }

    /// The first credential-looking thing in `text`, if any. The match itself is never returned,
    /// so that a finding cannot echo the secret back.
    public static func firstMatch(in text: String) -> Match? {
        for pattern in patterns {
            if text.range(of: pattern.regex, options: [.regularExpression, .caseInsensitive]) != nil {
                return Match(kind: pattern.kind)
            }
        }
        return nil
    }

    private static let patterns: [(kind: String, regex: String)] = [
        ("private key", #"-----BEGIN ([A-Z]+ )?PRIVATE KEY-----"#),
        ("AWS access key", #"\b(AKIA|ASIA)[0-9A-Z]{16}\b"#),
        ("GitHub token", #"\bgh[pousr]_[A-Za-z0-9]{30,}\b"#),
        ("Slack token", #"\bxox[abprs]-[A-Za-z0-9-]{10,}"#),
        ("Stripe key", #"\b[sr]k_(live|test)_[A-Za-z0-9]{16,}"#),
        ("Google API key", #"\bAIza[0-9A-Za-z_-]{35}\b"#),
        ("JSON web token", #"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"#),
        ("password", #"\b(password|passwd|pwd|passphrase|pin)\s*(is|[:=])\s*\S{4,}"#),
        ("API key", #"\b(api[_ -]?key|secret|access[_ -]?token|auth[_ -]?token|client[_ -]?secret)\s*(is|[:=])\s*\S{8,}"#),
        ("credentials in a URL", #"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s:@]+@"#),
    ]
}
