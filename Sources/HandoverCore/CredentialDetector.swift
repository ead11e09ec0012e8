import Foundation

/// Finds values that look like credentials in plain text. Credentials must travel sealed, never in
/// a handover's readable fields, a message or a reason; this catches what people actually paste.
///
/// Three kinds of evidence, tried in order:
/// 1. shapes a provider documents for its keys and tokens (`CredentialShapes`): certain on sight;
/// 2. a value assigned to a credential-named setting (`DB_PASSWORD=…`, `"token": "…"`, `Password=…;`);
/// 3. prose (`CredentialProse`): a password-like word near "password", a PIN beside "PIN", a
///    high-entropy string beside "token" or "secret", a password on a command line.
/// What is only *about* a credential ("the password is in the vault", "password: (sealed)") passes.
/// Measured on the labelled corpus in `Tests/data/credential-corpus.tsv` (CredentialCorpusTests).
public enum CredentialDetector {
    public struct Match: Sendable, Hashable {
        /// What it looks like ("AWS access key", "password"), for a message that never repeats the value.
        public var kind: String
    }

    /// The first credential-looking thing in `text`, if any. The match itself is never returned,
    /// so that a finding cannot echo the secret back.
    public static func firstMatch(in text: String) -> Match? {
        if let kind = CredentialShapes.kind(in: text) { return Match(kind: kind) }
        if let kind = CredentialProse.assignment(in: text) { return Match(kind: kind) }
        if let kind = CredentialProse.kind(in: text) { return Match(kind: kind) }
        return nil
    }
}

/// Provider-documented shapes of keys and tokens, and of text that carries them (PEM blocks,
/// connection strings, credentials in a URL). A match is a credential whatever the words around it.
enum CredentialShapes {
    static func kind(in text: String) -> String? {
        for pattern in patterns {
            guard let range = text.matchRange(of: pattern.regex), !isFiller(text[range]) else { continue }
            return pattern.kind
        }
        return urlCredentials(in: text) ? "credentials in a URL" : nil
    }

    /// `ghp_XXXXXXXX…`: the shape of a token filled with a placeholder character.
    static func isFiller(_ match: Substring) -> Bool {
        let tail = match.suffix(16)
        return Set(tail).count <= 2
    }

    /// `scheme://user:password@host`, unless the password is a slot (`<password>`, `${PGPASSWORD}`)
    /// or the word "password" itself, as in a format the vendor documents.
    static func urlCredentials(in text: String) -> Bool {
        var searchStart = text.startIndex
        while let scheme = text.matchRange(of: #"(?i)\b[a-z][a-z0-9+.-]*://"#, in: searchStart..<text.endIndex) {
            searchStart = scheme.upperBound
            // The authority ends at the last "@" before the host; a password may hold "@" and ":".
            let rest = text[scheme.upperBound...].prefix { !$0.isWhitespace }
            guard let at = rest.lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") else { continue }
            let user = rest[..<colon], password = String(rest[rest.index(after: colon)..<at])
            if !user.contains("/"), password.count >= 3, !CredentialProse.isTemplating(password), !CredentialProse.pointers.contains(password.lowercased()),
                !password.hasPrefix("<")
            {
                return true
            }
        }
        return false
    }

    static let patterns: [(kind: String, regex: String)] = [
        // A header alone ("they pasted -----BEGIN PRIVATE KEY----- into the chat") is talk; a key has a body.
        ("private key", #"-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----(\\n|\s|[A-Za-z-]+: [^\n]*)*[A-Za-z0-9+/=]{24,}"#),
        ("private key", #"PuTTY-User-Key-File-\d"#),
        ("age secret key", #"AGE-SECRET-KEY-1[0-9A-Z]{50,}"#),
        ("AWS access key", #"\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b"#),
        ("Google API key", #"\bAIza[0-9A-Za-z_-]{35}"#),
        ("Google OAuth secret", #"\bGOCSPX-[A-Za-z0-9_-]{20,}"#),
        ("Google OAuth token", #"\bya29\.[A-Za-z0-9_-]{30,}"#),
        ("Azure storage key", #"(?i)AccountKey=[A-Za-z0-9+/]{40,}"#),
        ("Azure shared access key", #"(?i)SharedAccessKey=[A-Za-z0-9+/]{20,}"#),
        ("Azure SAS token", #"[?&]sig=[A-Za-z0-9%+/=]{20,}"#),
        ("Azure client secret", #"(^|[^A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}8Q~[A-Za-z0-9_~.-]{31,34}"#),
        ("GitHub token", #"\bgh[pousr]_[A-Za-z0-9]{30,}"#),
        ("GitHub token", #"\bgithub_pat_[A-Za-z0-9_]{40,}"#),
        ("GitLab token", #"\bglpat-[A-Za-z0-9_-]{20,}"#),
        ("Slack token", #"\bxox[abposr]-[A-Za-z0-9-]{10,}"#),
        ("Slack webhook", #"hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,}"#),
        ("Discord webhook", #"discord(app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]{30,}"#),
        ("Stripe key", #"\b[sr]k_(live|test)_[A-Za-z0-9]{16,}"#),
        ("Stripe webhook secret", #"\bwhsec_[A-Za-z0-9]{24,}"#),
        ("Twilio API key", #"\bSK[0-9a-fA-F]{32}\b"#),
        ("SendGrid key", #"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{30,}"#),
        ("Mailgun key", #"\bkey-[0-9a-f]{32}\b"#),
        ("Mailchimp key", #"\b[0-9a-f]{32}-us\d{1,2}\b"#),
        ("npm token", #"\bnpm_[A-Za-z0-9]{36}\b"#),
        ("PyPI token", #"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{40,}"#),
        ("Anthropic key", #"\bsk-ant-[a-z0-9]+-[A-Za-z0-9_-]{40,}"#),
        ("OpenAI key", #"\bsk-(proj-|svcacct-)?[A-Za-z0-9_-]{32,}"#),
        ("Shopify token", #"\bshp(at|ss|ca|pa)_[a-fA-F0-9]{32}\b"#),
        ("Atlassian token", #"\bATATT3[A-Za-z0-9_=-]{100,}"#),
        ("DigitalOcean token", #"\bdo[por]_v1_[a-f0-9]{64}\b"#),
        ("New Relic key", #"\bNRAK-[A-Z0-9]{27}\b"#),
        ("Hugging Face token", #"\bhf_[A-Za-z]{30,}\b"#),
        ("Doppler token", #"\bdp\.(st|ct|sa|scim|audit)\.[A-Za-z0-9_.-]{40,}"#),
        ("Vault token", #"\bhv[sb]\.[A-Za-z0-9_-]{24,}"#),
        ("Telegram bot token", #"\b\d{8,10}:AA[A-Za-z0-9_-]{30,}"#),
        ("Square token", #"\bEAAA[A-Za-z0-9_-]{50,}"#),
        ("Linear key", #"\blin_api_[A-Za-z0-9]{32,}"#),
        ("Postman key", #"\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b"#),
        ("Grafana token", #"\bglsa_[A-Za-z0-9]{32}_[a-f0-9]{8}\b"#),
        ("Databricks token", #"\bdapi[a-f0-9]{32}\b"#),
        ("JSON web token", #"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"#),
        ("authorization header", #"(?i)\bauthorization:\s*(bearer|basic|token|digest|ssws)\s+[A-Za-z0-9._~+/=-]{8,}"#),
        ("Salesforce session id", #"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]{60,}"#),
        ("Teams webhook", #"\.webhook\.office\.com/webhookb2/\S+/IncomingWebhook/[0-9a-f]{32}/"#),
        ("HubSpot token", #"\bpat-(na|eu|ap)\d-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"#),
        ("Airtable token", #"\bpat[A-Za-z0-9]{14}\.[a-f0-9]{64}\b"#),
        ("secret in a URL", #"(?i)[?&](code|key|api_?key|access_?token|token|secret|client_secret|password)=[A-Za-z0-9_%.~-]{20,}"#),
        ("pgpass line", #"(?m)^[\w.-]+:(\d+|\*):[\w*.-]+:[\w.-]+:\S{4,}$"#),
        ("bearer token", #"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{20,}=*"#),
        ("TOTP seed", #"(?i)otpauth://[^\s]*[?&]secret=[A-Z2-7]{16,}"#),
        ("password on a command line", #"(?i)\bmysql(dump|admin)?\b[^\n]*\s-p[^\s-][^\s]{3,}"#),
        ("password on a command line", #"(?i)\bsshpass\s+-p\s*\S{3,}"#),
        ("password on a command line", #"(?i)\b(docker|podman|helm|oras)\s+(registry\s+)?login\b[^\n]*\s(-p|--password)[\s=]\S{3,}"#),
        ("password on a command line", #"(?i)\bcurl\b[^\n]*\s(-u|--user)\s+['"]?[^\s:'"]+:[^\s'"$][^\s'"]{2,}"#),
        ("password on a command line", #"(?i)\s-U\s+[^\s%]+%\S{3,}"#),
        ("password on a command line", #"(?i)\bnet\s+user\s+\S+\s+\S{4,}\s+/add\b"#),
        ("password on a command line", #"(?i)\bldap(search|modify|add|delete|passwd|whoami)\b[^\n]*\s-w\s+\S{4,}"#),
        ("password on a command line", #"(?i)\bredis-cli\b[^\n]*\s-a\s+\S{4,}"#),
        ("password on a command line", #"(?i)\bnet\s+use\b[^\n]*/user:\S+\s+[^\s/]\S{3,}"#),
        ("password on a command line", #"\bipmitool\b[^\n]*\s-P\s+\S{4,}"#),
        ("password on a command line", #"(?i)\blftp\b[^\n]*\s-u\s+[^\s,]+,\S{3,}"#),
        ("password on a command line", #"(?i)\bsqlplus\s+[^\s/]+/[^\s@]{3,}@"#),
        ("tunnel token", #"(?i)\bcloudflared\b[^\n]*\b(install|--token)\s+eyJ[A-Za-z0-9+/=_-]{50,}"#),
        ("password on a command line", #"(?i)ConvertTo-SecureString\s+['"][^'"]{4,}['"]\s+-AsPlainText"#),
    ]
}
