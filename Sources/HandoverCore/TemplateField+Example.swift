import Foundation

/// How a field's value is written, in one place: the keys of a list field's entries, a sentence
/// for help and error messages, and a ready-to-paste example. The CLI's `templates show`, its
/// editor file and the parse errors below all read these, so they cannot drift from the parser.
extension FieldType {
    /// The keys of one entry of a list field (required ones first); nil for a single value.
    public var entryKeys: (required: [String], optional: [String])? {
        switch self {
        case .text, .markdown, .date: nil
        case .contacts: (["name"], ["role", "email", "phone", "preference", "notes", "owner"])
        case .items: (["title"], ["owner", "due", "status", "notes"])
        case .checklist: (["item", "done"], ["note"])
        case .decisions: (["decision"], ["rationale", "date"])
        }
    }

    /// One entry's shape: "an object with keys item, done (and optionally note)".
    public var entryShape: String? { keysText.map { "an object with \($0)" } }

    private var keysText: String? {
        guard let keys = entryKeys else { return nil }
        let optional = keys.optional.isEmpty ? "" : " (and optionally \(keys.optional.joined(separator: ", ")))"
        return "keys \(keys.required.joined(separator: ", "))\(optional)"
    }

    /// The whole value's shape, as a person reads it.
    public var shape: String {
        switch self {
        case .text: "a string (one line)"
        case .markdown: "a string (Markdown, several lines)"
        case .date: "a date as a string, YYYY-MM-DD"
        case .contacts, .items, .checklist, .decisions: "a list of objects with \(keysText ?? "")"
        }
    }
}

extension TemplateField {
    /// A value this field's own parser accepts, to copy and adapt. A checklist's example ticks
    /// every entry the template lists (which is also what lint asks for); dates use YYYY-MM-DD.
    public var example: JSONValue {
        switch type {
        case .text:
            return .string("One line about \(label.lowercased())")
        case .markdown:
            return .string("A few sentences for the recipient; Markdown is fine.")
        case .date:
            return .string("2027-03-31")
        case .contacts:
            return .array([
                .object([
                    "name": .string("Priya Shah"), "role": .string("Head of Operations"), "email": .string("priya@example.com"),
                    "preference": .string("Email, mornings"),
                ])
            ])
        case .items:
            return .array([.object(["title": .string("Quarterly business review"), "owner": .string("Rita"), "due": .string("2027-01-15")])])
        case .checklist:
            return .array((options ?? []).map { .object(["item": .string($0), "done": .bool(true)]) })
        case .decisions:
            return .array([.object(["decision": .string("Waived the setup fee"), "rationale": .string("It won the renewal"), "date": .string("2026-11-02")])])
        }
    }

    /// Rephrases a decoding error in a list field so that it names the shape expected: of the
    /// whole value ("expected a list of …"), of one entry ("expected an object with keys item,
    /// done …"), or the entry a required key is missing from. Nil when the mismatch is deeper (a
    /// key's value): the generic message names that key already.
    func shapeProblem(_ error: DecodingError, in json: JSONValue, at path: String) -> Problem? {
        guard let entryShape = type.entryShape else { return nil }
        if case .keyNotFound(let key, let context) = error, context.codingPath.count == 1, let index = context.codingPath[0].intValue {
            return Problem(path: "\(path)[\(index)].\(key.stringValue)", message: "is required: each entry is \(entryShape)")
        }
        guard case .typeMismatch(_, let context) = error else { return nil }
        switch context.codingPath.count {
        case 0:
            return Problem(path: path, message: "expected \(type.shape), got \(json.typeName)")
        case 1:
            guard let index = context.codingPath[0].intValue, let entry = json.arrayValue?[index] else { return nil }
            return Problem(path: "\(path)[\(index)]", message: "expected \(entryShape), got \(entry.typeName)")
        default:
            return nil
        }
    }
}
