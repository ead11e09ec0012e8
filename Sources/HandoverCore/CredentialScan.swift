import Foundation

/// A credential-like value found in text on its way in: where it is and what it looks like.
/// It never holds the value, so nothing made from it (a problem document, a log line, a page)
/// can echo the secret back.
public struct CredentialFinding: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Where the text was: `risks.worries`, `contacts.keyContacts[1].notes`, `profile.overview`, `synthesis`.
    public var path: String
    /// `CredentialDetector.Match.kind`: "AWS access key", "password".
    public var kind: String

    public init(path: String, kind: String) {
        self.path = path
        self.kind = kind
    }

    /// "looks like an AWS access key", "looks like credentials in a URL".
    public var looksLike: String { "looks like \(Self.withArticle(kind))" }

    public var description: String { "\(path): \(looksLike)" }

    /// The kind with "a" or "an", or none when it names several things ("recovery codes").
    static func withArticle(_ kind: String) -> String {
        let head = kind.components(separatedBy: " in ")[0]
        if head.hasSuffix("s") { return kind }
        let first = kind.first.map { String($0).lowercased() } ?? ""
        return ("aeiou".contains(first) || kind.hasPrefix("npm") ? "an " : "a ") + kind
    }
}

/// Finds credential-like values in text that is about to be stored, field by field, with
/// `CredentialDetector` (whose rules and measurements are its own). The services refuse a save
/// with any finding (`HandoverError.credentialInText`): credentials travel sealed, never in a
/// plain field.
public enum CredentialScan {
    /// Named pieces of text: `[("name", name), ("synthesis", synthesis)]`.
    public static func findings(_ texts: [(path: String, text: String?)]) -> [CredentialFinding] {
        texts.compactMap { path, text in
            guard let text, let match = CredentialDetector.firstMatch(in: text) else { return nil }
            return CredentialFinding(path: path, kind: match.kind)
        }
    }

    /// Every string inside `value`, at its path below `path`. An object key that itself looks like a
    /// credential is reported at the object's path, so that the path never carries it.
    public static func findings(in value: JSONValue, at path: String) -> [CredentialFinding] {
        switch value {
        case .string(let text):
            return findings([(path, text)])
        case .array(let elements):
            return elements.enumerated().flatMap { index, element in findings(in: element, at: JSONPath.element(path, index)) }
        case .object(let members):
            return members.keys.sorted().flatMap { key in
                if let match = CredentialDetector.firstMatch(in: key) { return [CredentialFinding(path: path, kind: match.kind)] }
                return findings(in: members[key]!, at: JSONPath.member(path, key))
            }
        case .null, .bool, .number:
            return []
        }
    }

    /// `text` with what looks like a credential replaced by "[removed]", for text from someone
    /// who cannot be asked to retype it (a customer's survey comment): each value the detector
    /// places goes; if the detector still fires after that, the whole text goes.
    public static func redacted(_ text: String) -> String {
        var text = text
        for _ in 0..<20 {
            guard let range = CredentialDetector.valueRange(in: text) else { return text }
            text.replaceSubrange(range, with: "[removed]")
        }
        return CredentialDetector.firstMatch(in: text) == nil ? text : "[removed: it looked like it held a password or key]"
    }

    /// Every string in a handover's content (or a patch of it), at `section.field…`.
    public static func findings(in content: HandoverContent) -> [CredentialFinding] {
        findings(in: .object(content.sections.mapValues { JSONValue.object($0) }), at: "")
    }

    /// Every string in something encodable (an account's profile), at its JSON path below `path`:
    /// fields added to the type later are scanned without anyone remembering to.
    public static func findings(in value: some Encodable, at path: String) -> [CredentialFinding] {
        guard let data = try? JSONEncoder().encode(value), let json = try? JSONDecoder().decode(JSONValue.self, from: data) else { return [] }
        return findings(in: json, at: path)
    }
}
