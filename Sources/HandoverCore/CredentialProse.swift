import Foundation

/// Credentials written by people rather than pasted from a provider: settings, prose, PINs.
/// Each rule needs two things together, a credential word and a value that looks secret, because
/// either alone is how people *talk about* credentials ("rotate the password", "ticket OPS-1182").
enum CredentialProse {
    // MARK: Settings: NAME = value

    /// `DB_PASSWORD=…`, `"client_secret": "…"`, `Password=…;`, `<password>…</password>`, `--password=…`.
    static func assignment(in text: String) -> String? {
        // <add key="LdapBindPassword" value="…"/> and define('DB_PASSWORD', '…'): the name and the value are apart.
        let apart = [
            #"(?i)key\s*=\s*["'][^"']*(passw|pwd|secret|token|apikey|api_key)[^"']*["']\s+value\s*=\s*["']([^"']{4,})["']"#,
            #"(?i)define\(\s*["'][A-Z0-9_]*(PASSWORD|SECRET|TOKEN|_KEY|SALT)[A-Z0-9_]*["']\s*,\s*["']([^"']{4,})["']"#,
        ]
        for pattern in apart {
            if let range = text.matchRange(of: pattern) {
                let value = text[range].dropLast().split(whereSeparator: { $0 == "\"" || $0 == "'" }).last.map(String.init) ?? ""
                if !isPlaceholder(value) && !isTemplating(value) { return "secret in configuration" }
            }
        }
        let pattern =
            #"(?i)(?:^|[\s"'<;&?,({\[])-{0,2}([A-Za-z0-9_.-]*(?:passw(?:or)?d|passwort|kennwort|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|encryption[_-]?key|signing[_-]?key|app[_-]?key|credentials?|passphrase|(?:^|[_.-])pass)(?:[A-Za-z0-9_.-]*))["']?[ \t]*(?:=>|->|:=|=|:|>)[ \t]*"#
        var searchStart = text.startIndex
        while let range = text.matchRange(of: pattern, in: searchStart..<text.endIndex) {
            let name = String(text[range]).lowercased()
            // ">" separates only in XML, where the value is closed by a tag: <password>…</password>.
            if name.hasSuffix(">"), !(text[range.upperBound...].prefix { $0 != "\n" }.contains("</")) {
                searchStart = range.upperBound
                continue
            }
            let value = Self.value(after: range.upperBound, in: text)
            if Self.isSecretValue(value, strict: !Self.namesAPassword(name)) {
                return name.contains("pass") || name.contains("pwd") || name.contains("kennwort") ? "password" : "secret in configuration"
            }
            searchStart = range.upperBound
        }
        return nil
    }

    /// Whether a setting's name (as matched: delimiters and separator around it) names a password,
    /// so that any value counts: the word itself ("Password: hunter"), or a setting's identifier
    /// (DB_PASSWORD, spring.datasource.password, --smtp-pass). A word that only contains one
    /// ("I-PASS: Illness severity…", "boarding-pass") needs a value that looks like a password.
    static func namesAPassword(_ name: String) -> Bool {
        let bare = name.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'<>;&?,({[=:-"))
        let words: Set<String> = ["password", "passwords", "passwd", "pwd", "pass", "passphrase", "passwort", "kennwort", "credential", "credentials"]
        if words.contains(bare) { return true }
        let identifier = bare.contains("_") || bare.contains(".") || name.trimmingCharacters(in: .whitespaces).hasPrefix("-")
        return identifier && ["pass", "pwd", "kennwort", "credential"].contains { bare.contains($0) }
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
        if let raw = words.first, isTemplating(raw) { return "" }
        let first = words.first.map(Self.trimmed) ?? ""
        if ["the", "a", "an"].contains(first.lowercased()), words.count > 1 { return Self.trimmed(words[1]) }
        return first
    }

    /// A token without the punctuation prose puts around it, and without an XML closing tag.
    static func trimmed(_ token: some StringProtocol) -> String {
        var s = Substring(token)
        if let tag = s.range(of: "</") { s = s[..<tag.lowerBound] }
        while let c = s.last, ",;)]}>\"'`".contains(c) || (c == "." && s.count > 1) { s = s.dropLast() }
        while let c = s.first, "([{<\"'`=:".contains(c) { s = s.dropFirst() }
        return String(s)
    }

    /// Whether a value given to a credential word is the credential, not a pointer to it.
    /// `strict`: the word names a token or key, so the value must look machine-made.
    static func isSecretValue(_ raw: String, strict: Bool) -> Bool {
        let value = raw.trimmingCharacters(in: .whitespaces)
        guard value.count >= 4, !isPlaceholder(value), !isTemplating(value) else { return false }
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
        "sealed.", "yes", "true", "false", "disabled", "enabled", "okta", "azure", "ad", "ldap", "password", "passwort", "secret",
        "token", "your_password", "yourpassword", "xxx", "xxxx",
    ]

    // MARK: Prose

    static func kind(in text: String) -> String? {
        // A public key or certificate is meant to be shared: what follows its header is not a secret.
        let text = text.replacingOccurrences(
            of: #"-----BEGIN (PUBLIC KEY|CERTIFICATE|SSH2 PUBLIC KEY|PGP PUBLIC KEY BLOCK)-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)"#, with: " ",
            options: .regularExpression)
        if passwordNearWord(in: text) { return "password" }
        if pinNearWord(in: text) { return "PIN or code" }
        if basicAuth(in: text) { return "basic auth credentials" }
        if highEntropyNearWord(in: text) { return "secret near a credential word" }
        if recoveryCodes(in: text) { return "recovery codes" }
        return nil
    }

    /// Words people write before a password, in the languages handovers are written in. A suffix is
    /// allowed (Adgangskoden, Lösenordet); scripts without spaces match without word boundaries.
    static let passwordWords =
        #"(?i)(?:\b|_)(passwords?|passwd|pwd|pw|pass|passphrase|psk|wpa2?|wi-?fi|wlan|vpn|logins?|creds|credentials|local admin|passwort\w*|kennwort\w*|contraseña\w*|mot de passe|wachtwoord\w*|adgangskode\w*|lösenord\w*|passord\w*|kodeord\w*|salasana\w*|hasło\w*|haslo\w*|senha\w*|parola\w*|heslo\w*|jelszó\w*|şifre\w*|пароль\w*|lozinka\w*|geslo\w*|clave\w*)\b|パスワード|密码|密碼|비밀번호"#

    /// "the password is Summer2024!", "login admin / P@ss1", "Use Tr0ub4dor as the password".
    static func passwordNearWord(in text: String) -> Bool {
        if candidates(after: passwordWords, in: text, window: 6).contains(where: { looksLikePassword(Self.afterUserSeparator($0)) }) { return true }
        // A quoted value is meant literally: "the passphrase is \"purple monkey dishwasher\"".
        let quoted = #"(?i)\b(password|passphrase|passwort|pin|code)\b[^\n"“']{0,60}?(\bis|\bwas|:|=|->)\s*["“']([^"”'\n]{4,})["”']"#
        if let range = text.matchRange(of: quoted),
            let open = text[range].firstIndex(where: { "\"“'".contains($0) })
        {
            let value = String(text[text.index(after: open)..<text.index(before: range.upperBound)])
            if !isPlaceholder(value) && !isTemplating(value) { return true }
        }
        // A diceware passphrase after a colon: "KeePass master password (team db): pencil mango tractor otter".
        let diceware = #"(?i)\b(password|passphrase|passwort)\b[^\n]{0,60}?:\s*([a-z]{3,12}[ -]){3,}[a-z]{3,12}\s*$"#
        if let range = text.matchRange(of: diceware) {
            let words = text[range].split(separator: ":").last.map { $0.split(whereSeparator: { $0 == " " || $0 == "-" }).map { String($0).lowercased() } } ?? []
            if let first = words.first, !pointers.contains(first), !functionWords.contains(where: words.contains) { return true }
        }
        // "Use X as the password"
        if let range = text.matchRange(of: #"(?i)(\S+)\s+as\s+(the\s+)?(\S+\s+)?(password|passphrase|pin)\b"#),
            let candidate = text[range].split(whereSeparator: \.isWhitespace).first, looksLikePassword(trimmed(candidate))
        {
            return true
        }
        // "admin/P@ssw0rd1", "Grafana: admin:_oxvz+PJFWX7": a well-known account name, a separator, a password.
        // (Not "https://user:password@host": that is a URL, and `CredentialShapes.urlCredentials` judges it.)
        return Self.tokens(after: #"(?i)(?<!://)\b(admin|administrator|root|sa|guest|test|user)\s*[/:]"#, in: text, window: 1, adjacent: true).contains {
            looksLikePassword($0)
        }
    }

    /// Words that no diceware passphrase is made of, so "password: see the vault entry" passes.
    static let functionWords: Set<String> = ["the", "a", "an", "in", "for", "of", "to", "and", "on", "with", "it", "from", "by", "at", "as", "is", "see", "ask", "use"]

    /// "Basic dXNlcjpwYXNz": base64 that decodes to user:password, as HTTP basic auth sends it.
    static func basicAuth(in text: String) -> Bool {
        tokens(after: #"\bBasic\s"#, in: text, window: 1).contains { token in
            guard token.count >= 8, let data = Data(base64Encoded: token), let decoded = String(data: data, encoding: .utf8) else { return false }
            return decoded.contains(":") && !decoded.hasSuffix(":")
        }
    }

    /// "PIN 4821", "the alarm code is 2580", "safe combination 12-34-56", "Tresorcode: 411713": digits
    /// right after the word, "is", "with", "to" or a colon — so "the PIN was changed on 12 Nov 2026"
    /// passes — and not a zip, error or status code.
    static func pinNearWord(in text: String) -> Bool {
        let words =
            #"(?i)\b(pin|puk|passcode|combination|combo|digicode|keypad|lockbox|key ?safe|safe|alarm|door|gate|\w*code)\b"#
        let notSecret: Set<String> = [
            "zip", "postal", "post", "postcode", "zipcode", "error", "status", "area", "country", "http", "exit", "return", "product",
            "discount", "promo", "source", "qr", "bar", "barcode", "dial", "tax", "sort", "swift", "bank", "iata", "icd", "cpt", "diagnosis",
            "billing", "cost", "colour", "color", "response", "reason", "event", "zone",
        ]
        let precedes: Set<String> = ["is", "was", "with", "to", "now", "mit", "est", "ist", "är", "er", "é", "es"]
        var searchStart = text.startIndex
        while let range = text.matchRange(of: words, in: searchStart..<text.endIndex) {
            defer { searchStart = range.upperBound }
            let word = String(text[range]).lowercased()
            let before = text[..<range.lowerBound].split(whereSeparator: \.isWhitespace).last.map { trimmed($0).lowercased() } ?? ""
            if notSecret.contains(before) || notSecret.contains(where: { word.hasPrefix($0) && word != "code" && word.hasSuffix("code") }) { continue }
            var previous = word
            for token in text[range.upperBound...].split(whereSeparator: \.isWhitespace).prefix(6).map(String.init) {
                let bare = trimmed(token)
                if bare.matchRange(of: #"^(\d{4,8}[A-Z#*]?|\d{2}(-\d{2}){2,}|\d{3,4}-\d{3,4})$"#) != nil,
                    previous == word || precedes.contains(previous) || previous.hasSuffix(":") || previous.hasSuffix("=") || previous == "-"
                {
                    return true
                }
                if token.hasSuffix(".") { break }  // the sentence ended
                previous = token.lowercased()
            }
        }
        return false
    }

    /// "token: 8f3a…", "webhook secret 9aK3…", "HMAC key for the webhook: 2b1b…": a machine-made
    /// string right after a credential word, or after the separator that follows it.
    static func highEntropyNearWord(in text: String) -> Bool {
        let words =
            #"(?i)(?:\b|_)(tokens?|secrets?|keys?|cookies?|seed|licen[cs]e|codes?|credentials?|2fa|totp|otp|pat|schlüssel\w*|clé|chave|clave|nøgle\w*|nyckel\w*|klucz\w*)\b"#
        return candidates(after: words, in: text, window: 3).contains { token in
            let value = token.split(separator: "=", maxSplits: 1).last.map(String.init) ?? token
            return isHighEntropy(value)
        }
    }

    /// Recovery and backup codes, BitLocker and Apple recovery keys, and a TOTP seed in groups.
    static func recoveryCodes(in text: String) -> Bool {
        let patterns = [
            #"(?i)\b(recovery|backup)\s+codes?\b[^:\n]{0,60}:\s*[0-9a-z]{4,5}[- ][0-9a-z]{4,5}"#,
            #"(?i)\brecovery\s+key\b[^:\n]{0,60}:\s*([A-Z0-9]{4,6}-){5,}[A-Z0-9]{4,6}"#,
            #"\b\d{6}(-\d{6}){7}\b"#,  // a BitLocker recovery key
            #"(?i)\b(seed|secret|totp|2fa)\b[^:\n]{0,60}:\s*([a-z2-7]{4}\s){5,}[a-z2-7]{4}\b"#,
        ]
        return patterns.contains { text.matchRange(of: $0) != nil }
    }

    /// The tokens a value may be among after a credential word: the next `window` tokens, and the
    /// first three after the separator that follows within the line ("token for X (Y): VALUE",
    /// "new one is VALUE", "API key -> VALUE").
    static func candidates(after pattern: String, in text: String, window: Int) -> [String] {
        var found = tokens(after: pattern, in: text, window: window)
        var searchStart = text.startIndex
        while let range = text.matchRange(of: pattern, in: searchStart..<text.endIndex) {
            searchStart = range.upperBound
            let line = text[range.upperBound...].prefix { $0 != "\n" }.prefix(100)
            guard
                let separator = text.matchRange(
                    of: #"(:|=|->|=>|\bis\b|\bwas\b|\bare\b|\bist\b|\bär\b|\ber\b|\bé\b|\best\b)\s"#, in: line.startIndex..<line.endIndex)
            else {
                continue
            }
            found += line[separator.upperBound...].split(whereSeparator: \.isWhitespace).prefix(3).map { trimmed($0) }.filter { !$0.isEmpty }
        }
        return found
    }

    /// The next `window` whitespace-separated tokens after each match of `pattern`, trimmed.
    static func tokens(after pattern: String, in text: String, window: Int, adjacent: Bool = false) -> [String] {
        var found: [String] = []
        var searchStart = text.startIndex
        while let range = text.matchRange(of: pattern, in: searchStart..<text.endIndex) {
            let rest = text[range.upperBound...]
            let tokens = adjacent ? [rest.prefix { !$0.isWhitespace }] : rest.split(whereSeparator: \.isWhitespace).prefix(window).map { $0 }
            found += tokens.map { trimmed($0) }.filter { !$0.isEmpty }
            searchStart = range.upperBound
        }
        return found
    }

    /// `admin/P@ss1` or `admin:P@ss1` → `P@ss1`; anything else unchanged.
    static func afterUserSeparator(_ token: String) -> String {
        guard let range = token.matchRange(of: #"^[A-Za-z][A-Za-z0-9._-]{1,30}[/:]"#), !token.contains("://") else { return token }
        return String(token[range.upperBound...])
    }

    // MARK: What a secret looks like

    /// A password as people choose them: letters with digits or symbols, six or more characters,
    /// and not one of the many such things that are not passwords (tickets, versions, dates, URLs).
    static func looksLikePassword(_ token: String) -> Bool {
        guard token.count >= 6, token.count <= 128 else { return false }
        guard !isTemplating(token) else { return false }
        let hasLetter = token.contains { $0.isLetter }
        let hasDigit = token.contains { $0.isNumber }
        // "leaves?" and "Beamer?" end a sentence; a symbol counts inside the word.
        let hasSymbol = token.dropLast().contains { "!@#$%^&*?~+=|".contains($0) } && token.dropLast().contains { $0.isLetter }
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
            #"^@[\w.-]+(:\d+)?(/\S*)?$|^[>/~.]|/.*\.|\.[a-z]+/"#,  // a host or a path: "@host", "~/.ssh/id", "host.net/x"
            #"^[\w.-]+:\d+(/|$)"#,  // host:port
            #"://"#,  // a URL
            #"^\+?[\d ()-]+$"#,  // a phone number
            #"^\d+(st|nd|rd|th|k|m|gb|mb|tb|ms|s|h|d|x|%)$"#,  // an ordinal or a quantity
        ]
        return !shapes.contains { lower.matchRange(of: $0) != nil }
    }

    /// `${DB_PASS}`, `%(pw)s`, `{{ secret }}`, `$API_PASS`, `<password>`, `getpass(...)`: a slot for
    /// a value, filled in elsewhere.
    static func isTemplating(_ token: String) -> Bool {
        token.matchRange(of: #"\$\{|#\{|%\(|\{\{|^\$[A-Za-z_][A-Za-z0-9_]*\W*$|^<[A-Za-z_ -]+>|^[A-Za-z_][\w.]*\(|^%[A-Za-z_]+%$"#) != nil
    }

    static let notPasswords: Set<String> = ["1password", "office365", "microsoft365", "m365", "windows10", "windows11", "ipv4", "ipv6", "oauth2", "sha256", "x509"]

    /// A machine-made string: 16 or more characters of a token alphabet, mixing character classes,
    /// with at least 3 bits of entropy per character (hex scores about 3.7, English words less).
    static func isHighEntropy(_ token: String) -> Bool {
        guard token.count >= 16, token.count <= 512,
            token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+/=_.~:%-".contains($0)) }),
            token.matchRange(of: #"^(sha\d*|md5):|://|^arn:|^[~/.]"#, caseInsensitive: true) == nil  // fingerprints, URLs, ARNs, paths
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
