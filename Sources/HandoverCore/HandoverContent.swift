import Foundation

/// What the transferor wrote: `{section: {field: value}}`, interpreted against the template.
public struct HandoverContent: Sendable, Hashable, Codable {
    public var sections: [String: [String: JSONValue]]

    public init(_ sections: [String: [String: JSONValue]] = [:]) {
        self.sections = sections
    }

    public init(from decoder: any Decoder) throws {
        sections = try decoder.singleValueContainer().decode([String: [String: JSONValue]].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(sections)
    }

    public subscript(section: String, field: String) -> JSONValue? {
        get { sections[section]?[field] }
        set { sections[section, default: [:]][field] = newValue }
    }

    /// Overlays `patch` on this content: fields in the patch replace ours, `null` clears one.
    public func merging(_ patch: HandoverContent) -> HandoverContent {
        var result = self
        for (section, fields) in patch.sections {
            for (field, value) in fields {
                result[section, field] = value == .null ? nil : value
            }
            if result.sections[section]?.isEmpty == true { result.sections[section] = nil }
        }
        return result
    }
}

/// One field's value, typed by its template field.
public enum FieldValue: Sendable, Hashable {
    case text(String)
    case date(CalendarDate)
    case contacts([Contact])
    case items([OpenItem])
    case checklist([ChecklistEntry])
    case decisions([Decision])

    /// Whether a reader would call this field filled in.
    public var isFilled: Bool {
        switch self {
        case .text(let text): !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        case .date: true
        case .contacts(let list): !list.isEmpty
        case .items(let list): !list.isEmpty
        case .checklist(let list): list.contains { $0.done }
        case .decisions(let list): !list.isEmpty
        }
    }

    /// Every piece of free text in the value, with its path, for scanning.
    public func texts(at path: String) -> [(path: String, text: String)] {
        switch self {
        case .text(let text): return [(path, text)]
        case .date: return []
        case .contacts(let list):
            return list.enumerated().flatMap { i, c in
                [
                    ("name", c.name), ("role", c.role), ("email", c.email), ("phone", c.phone), ("preference", c.preference), ("notes", c.notes),
                    ("owner", c.owner),
                ]
                .compactMap { key, value in value.map { ("\(path)[\(i)].\(key)", $0) } }
            }
        case .items(let list):
            return list.enumerated().flatMap { i, item in
                [("title", item.title), ("owner", item.owner), ("status", item.status), ("notes", item.notes)]
                    .compactMap { key, value in value.map { ("\(path)[\(i)].\(key)", $0) } }
            }
        case .checklist(let list):
            return list.enumerated().compactMap { i, entry in entry.note.map { ("\(path)[\(i)].note", $0) } }
        case .decisions(let list):
            return list.enumerated().flatMap { i, d in
                [("decision", d.decision), ("rationale", d.rationale)]
                    .compactMap { key, value in value.map { ("\(path)[\(i)].\(key)", $0) } }
            }
        }
    }
}

public struct ChecklistEntry: Sendable, Hashable, Codable {
    public var item: String
    public var done: Bool
    public var note: String?

    public init(item: String, done: Bool, note: String? = nil) {
        self.item = item
        self.done = done
        self.note = note
    }
}

/// A past decision and the reason for it: the "why" a new owner otherwise never learns.
public struct Decision: Sendable, Hashable, Codable {
    public var decision: String
    public var rationale: String?
    public var date: CalendarDate?

    public init(decision: String, rationale: String? = nil, date: CalendarDate? = nil) {
        self.decision = decision
        self.rationale = rationale
        self.date = date
    }
}

extension TemplateField {
    /// Reads a JSON value as this field's type, or says exactly what is wrong with it.
    public func parse(_ json: JSONValue, at path: String) -> Result<FieldValue, Problem> {
        func decode<T: Decodable>(_ type: T.Type) -> Result<T, Problem> {
            do {
                let data = try JSONEncoder().encode(json)
                return .success(try JSONDecoder().decode(T.self, from: data))
            } catch let error as DecodingError {
                if let problem = shapeProblem(error, in: json, at: path) { return .failure(problem) }
                let problem = Problem(decoding: error)
                return .failure(Problem(path: problem.path.isEmpty ? path : "\(path)\(problem.path.hasPrefix("[") ? "" : ".")\(problem.path)", message: problem.message))
            } catch {
                return .failure(Problem(path: path, message: "could not be read"))
            }
        }
        switch type {
        case .text, .markdown:
            guard let text = json.stringValue else { return .failure(Problem(path: path, message: "expected a string, got \(json.typeName)")) }
            return .success(.text(text))
        case .date:
            guard let text = json.stringValue else { return .failure(Problem(path: path, message: "expected a date as YYYY-MM-DD, got \(json.typeName)")) }
            guard let date = CalendarDate(text) else { return .failure(Problem(path: path, message: "expected a date as YYYY-MM-DD, got \"\(text)\"")) }
            return .success(.date(date))
        case .contacts:
            return decode([Contact].self).map(FieldValue.contacts)
        case .items:
            return decode([OpenItem].self).map(FieldValue.items)
        case .decisions:
            return decode([Decision].self).map(FieldValue.decisions)
        case .checklist:
            return decode([ChecklistEntry].self).flatMap { entries in
                let known = Set(options ?? [])
                if let index = entries.firstIndex(where: { !known.contains($0.item) }) {
                    return .failure(
                        Problem(
                            path: "\(path)[\(index)].item",
                            message: "\"\(entries[index].item)\" is not an entry of this checklist; its entries: \(Self.quoted(options ?? []))"))
                }
                return .success(.checklist(entries))
            }
        }
    }
}

extension TemplateField {
    static func quoted(_ options: [String]) -> String {
        options.map { "\"\($0)\"" }.joined(separator: ", ")
    }
}

extension Template {
    /// Checks that content only names this template's fields and that each value has its field's shape.
    public func problems(in content: HandoverContent) -> [Problem] {
        var problems: [Problem] = []
        for (sectionID, fields) in content.sections.sorted(by: { $0.key < $1.key }) {
            guard let section = sections.first(where: { $0.id == sectionID }) else {
                problems.append(Problem(path: sectionID, message: "is not a section of template \(key)"))
                continue
            }
            for (fieldID, value) in fields.sorted(by: { $0.key < $1.key }) {
                let path = "\(sectionID).\(fieldID)"
                guard let field = section.fields.first(where: { $0.id == fieldID }) else {
                    problems.append(Problem(path: path, message: "is not a field of section \(sectionID)"))
                    continue
                }
                if case .failure(let problem) = field.parse(value, at: path) { problems.append(problem) }
            }
        }
        return problems
    }
}
