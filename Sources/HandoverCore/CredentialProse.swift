import Foundation

/// Credentials written by people rather than pasted from a provider: settings, prose, PINs.
/// Each rule needs two things together, a credential word and a value that looks secret, because
/// either alone is how people *talk about* credentials ("rotate the password", "ticket OPS-1182").
enum CredentialProse {
    // MARK: Settings: NAME = value

    /// `DB_PASSWORD=…`, `"client_secret": "…"`, `Password=…;`, `<password>…</password>`, `--password=…`.
    static func assignment(in text: String) -> String? {
        let pattern =
            #"(?i)(?:^|[\s"'<;&?,({\[])-{0,2}([A-Za-z0-9_.-]*(?:passw(?:or)?d|passwort|kennwort|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|encryption[_-]?key|signing[_-]?key|app[_-]?key|credentials?|passphrase|(?:^|[_.-])pass)(?:[A-Za-z0-9_.-]*))["']?[ \t]*(?:=>|->|:=|=|:|>)[ \t]*"#
        var searchStart = text.startIndex
        while let range = text.range(of: pattern, options: .regularExpression, range: searchStart..<text.endIndex) {
            let name = String(text[range]).lowercased()
            let value = Self.value(after: range.upperBound, in: text)
            if Self.isSecretValue(value, strict: !Self.namesAPassword(name)) {
                return name.contains("pass") || name.contains("pwd") || name.contains("kennwort") ? "password" : "secret in configuration"
            }
            searchStart = range.upperBound
        }
        return nil
    }

    static func namesAPassword(_ name: String) -> Bool {
        ["pass", "pwd", "kennwort", "credential"].contains { name.contains($0) }
    }

    /// The value after a separator: a quoted string, or the run of text up to a delimiter; an
    /// article is skipped ("passphrase = the quick brown fox" means the phrase).
    static func value(after index: String.Index, in text: String) -> String {
        let rest = text[index...]
        if let quote = rest.first, quote == "\"" || quote == "'" {
            let inner = rest.dropFirst()
            return String(inner.prefix { $0 != quote && $0 != "\n" })
        }
        let words = rest.split(whereSeparator: \.isWhitespace).prefix(2).map(String.init)
        let first = words.first.map(Self.trimmed) ?? ""
        if ["the", "a", "an"].contains(first.lowercased()), words.count > 1 { return Self.trimmed(words[1]) }
        return first
    }

    /// A token without the punctuation prose puts around it, and without an XML closing tag.
    static func trimmed(_ token: some StringProtocol) -> String {
        var s = Substring(token)
        if let tag = s.range(of: "</") { s = s[..<tag.lowerBound] }
        while let c = s.last, ",;)]}>\"'`".contains(c) || (c == "." && s.count > 1) { s = s.dropLast() }
        while let c = s.first, "([{<\"'`".contains(c) { s = s.dropFirst() }
        return String(s)
    }

    /// Whether a value given to a credential word is the credential, not a pointer to it.
    /// `strict`: the word names a token or key, so the value must look machine-made.
    static func isSecretValue(_ raw: String, strict: Bool) -> Bool {
        let value = raw.trimmingCharacters(in: .whitespaces)
        guard value.count >= 4, !isPlaceholder(value) else { return false }
        return strict ? isHighEntropy(value) || looksLikePassword(value) : true
    }

    static func isPlaceholder(_ value: String) -> Bool {
        let lower = value.lowercased()
        if value.allSatisfy({ "*xX•.…-_#?".contains($0) }) { return true }
        if let first = value.first, "<([{$%".contains(first) { return true }
        return pointers.contains(lower) || pointers.contains(where: { lower.hasPrefix($0 + " ") })
    }

    /// Words that point to a credential or describe it instead of being it.
    static let pointers: Set<String> = [
        "see", "ask", "in", "stored", "kept", "none", "n/a", "na", "null", "nil", "unknown", "tbd", "pending", "not", "no", "same",
        "required", "rotated", "sealed", "redacted", "changed", "reset", "empty", "blank", "hidden", "removed", "expired", "managed",
        "via", "from", "with", "on", "at", "by", "under", "set", "provided", "available", "shared", "sent", "one", "your", "their",
        "his", "her", "our", "my", "vault", "1password", "bitwarden", "lastpass", "keepass", "sso", "is", "was", "are", "were",
        "will", "must", "should", "needed", "needs", "requested", "issued", "generated", "attached", "below", "above", "here", "there",
        "sealed.", "yes", "true", "false", "disabled", "enabled", "okta", "azure", "ad", "ldap",
    ]

    // MARK: Prose

    static func kind(in text: String) -> String? {
        if passwordNearWord(in: text) { return "password" }
        if pinNearWord(in: text) { return "PIN or code" }
        if basicAuth(in: text) { return "basic auth credentials" }
        if highEntropyNearWord(in: text) { return "secret near a credential word" }
        if text.range(of: #"(?i)\b(recovery|backup)\s+codes?\s*[:=]\s*[0-9a-z]{4,5}[- ][0-9a-z]{4,5}"#, options: .regularExpression) != nil {
            return "recovery codes"
        }
        return nil
    }

    /// "the password is Summer2024!", "login admin / P@ss1", "Use Tr0ub4dor as the password".
    static func passwordNearWord(in text: String) -> Bool {
        let words =
            #"(?i)\b(passwords?|passwd|pwd|pw|pass|passphrase|passwort|kennwort|contraseña|mot de passe|wachtwoord|logins?|creds|credentials|wi-?fi|wlan)\b"#
        if Self.tokens(after: words, in: text, window: 6).contains(where: { looksLikePassword(Self.afterUserSeparator($0)) }) { return true }
        // "the passphrase is \"purple monkey dishwasher\"": a quoted value is meant literally.
        if let range = text.range(of: #"(?i)\b(password|passphrase|passwort|pin|code)\s+(is|was|:|=)\s*["“'][^"”'\n]{4,}["”']"#, options: .regularExpression),
            let open = text[range].firstIndex(where: { "\"“'".contains($0) })
        {
            let quoted = String(text[text.index(after: open)..<text.index(before: range.upperBound)])
            if !isPlaceholder(quoted) { return true }
        }
        // "Use X as the password"
        if let range = text.range(of: #"(?i)(\S+)\s+as\s+(the\s+)?(\S+\s+)?(password|passphrase|pin)\b"#, options: .regularExpression),
            let candidate = text[range].split(whereSeparator: \.isWhitespace).first, looksLikePassword(trimmed(candidate))
        {
            return true
        }
        // "admin/P@ssw0rd1": a well-known account name, a slash, a password.
        return Self.tokens(after: #"(?i)\b(admin|administrator|root|sa|guest|test|user)\s*/"#, in: text, window: 1, adjacent: true).contains {
            looksLikePassword($0)
        }
    }

    /// "Basic dXNlcjpwYXNz": base64 that decodes to user:password, as HTTP basic auth sends it.
    static func basicAuth(in text: String) -> Bool {
        tokens(after: #"\bBasic\s"#, in: text, window: 1).contains { token in
            guard token.count >= 8, let data = Data(base64Encoded: token), let decoded = String(data: data, encoding: .utf8) else { return false }
            return decoded.contains(":") && !decoded.hasSuffix(":")
        }
    }

    /// "PIN 4821", "the alarm code is 2580", "safe combination 12-34-56": digits right after the
    /// word, "is", or a colon — so "the PIN was changed on 12 Nov 2026" passes.
    static func pinNearWord(in text: String) -> Bool {
        let words =
            #"(?i)\b(pin|puk|passcode|combination|(door|alarm|gate|keypad|lockbox|safe|unlock|access|entry|garage|building|key ?safe)\s+code|door:)"#
        var searchStart = text.startIndex
        while let range = text.range(of: words, options: .regularExpression, range: searchStart..<text.endIndex) {
            let rest = text[range.upperBound...].split(whereSeparator: \.isWhitespace).prefix(4).map(String.init)
            var previous = String(text[range]).lowercased()
            for token in rest {
                let bare = trimmed(token)
                if bare.range(of: #"^(\d{4,8}[#*]?|\d{2}(-\d{2}){2,})$"#, options: .regularExpression) != nil {
                    if previous == "is" || previous.hasSuffix(":") || previous.hasSuffix("=") || range.upperBound == text.endIndex
                        || previous == String(text[range]).lowercased()
                    {
                        return true
                    }
                }
                previous = token.lowercased()
            }
            searchStart = range.upperBound
        }
        return false
    }

    /// "token: 8f3a…", "webhook secret 9aK3…", "license key: ABCDE-…": a machine-made string within
    /// three words of a credential word.
    static func highEntropyNearWord(in text: String) -> Bool {
        let words = #"(?i)\b(tokens?|secrets?|keys?|cookies?|sid|seed|licen[cs]e|codes?|credentials?|2fa|totp|otp)\b"#
        return tokens(after: words, in: text, window: 3).contains { token in
            let value = token.split(separator: "=", maxSplits: 1).last.map(String.init) ?? token
            return isHighEntropy(value)
        }
    }

    /// The next `window` whitespace-separated tokens after each match of `pattern`, trimmed.
    static func tokens(after pattern: String, in text: String, window: Int, adjacent: Bool = false) -> [String] {
        var found: [String] = []
        var searchStart = text.startIndex
        while let range = text.range(of: pattern, options: .regularExpression, range: searchStart..<text.endIndex) {
            let rest = text[range.upperBound...]
            let tokens = adjacent ? [rest.prefix { !$0.isWhitespace }] : rest.split(whereSeparator: \.isWhitespace).prefix(window).map { $0 }
            found += tokens.map { trimmed($0) }.filter { !$0.isEmpty }
            searchStart = range.upperBound
        }
        return found
    }

    /// `admin/P@ss1` or `admin:P@ss1` → `P@ss1`; anything else unchanged.
    static func afterUserSeparator(_ token: String) -> String {
        guard let range = token.range(of: #"^[A-Za-z][A-Za-z0-9._-]{1,30}[/:]"#, options: .regularExpression), !token.contains("://") else { return token }
        return String(token[range.upperBound...])
    }

    // MARK: What a secret looks like

    /// A password as people choose them: letters with digits or symbols, six or more characters,
    /// and not one of the many such things that are not passwords (tickets, versions, dates, URLs).
    static func looksLikePassword(_ token: String) -> Bool {
        guard token.count >= 6, token.count <= 128 else { return false }
        let hasLetter = token.contains { $0.isLetter }
        let hasDigit = token.contains { $0.isNumber }
        let hasSymbol = token.contains { "!@#$%^&*?~+=|".contains($0) }
        guard hasLetter && (hasDigit || hasSymbol) else { return false }
        let lower = token.lowercased()
        if notPasswords.contains(lower) { return false }
        let shapes = [
            #"^[A-Za-z]{2,10}-\d+$"#,  // a ticket: OPS-1182
            #"^v?\d+(\.\d+)+[a-z0-9.-]*$"#,  // a version
            #"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$"#,  // a date
            #"^\d{1,2}(:\d{2})?(am|pm)$"#,  // a time
            #"^[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"#,  // an email address
            #"^(sha\d*|md5):"#,  // a fingerprint
            #"://"#,  // a URL
            #"^\+?[\d ()-]+$"#,  // a phone number
            #"^\d+(st|nd|rd|th|k|m|gb|mb|tb|ms|s|h|d|x|%)$"#,  // an ordinal or a quantity
        ]
        return !shapes.contains { lower.range(of: $0, options: .regularExpression) != nil }
    }

    static let notPasswords: Set<String> = ["1password", "office365", "microsoft365", "m365", "windows10", "windows11", "ipv4", "ipv6", "oauth2", "sha256", "x509"]

    /// A machine-made string: 16 or more characters of a token alphabet, mixing character classes,
    /// with at least 3 bits of entropy per character (hex scores about 3.7, English words less).
    static func isHighEntropy(_ token: String) -> Bool {
        guard token.count >= 16, token.count <= 512,
            token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+/=_.~:%-".contains($0)) }),
            token.range(of: #"^(sha\d*|md5):|://"#, options: [.regularExpression, .caseInsensitive]) == nil  // fingerprints and URLs are public
        else { return false }
        let classes = [token.contains { $0.isUppercase }, token.contains { $0.isLowercase }, token.contains { $0.isNumber }].filter { $0 }.count
        guard classes >= 2 else { return false }
        var counts: [Character: Int] = [:]
        for c in token { counts[c, default: 0] += 1 }
        let n = Double(token.count)
        let entropy = counts.values.reduce(0.0) { sum, k in
            let p = Double(k) / n; return sum - p * log2(p)
        }
        return entropy >= 3.0
    }
}
