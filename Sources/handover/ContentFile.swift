import Foundation
import HandoverCore

/// The file 'handover edit --interactive' opens in an editor (and '--file' reads): the content
/// as `{"section": {"field": value}}`, every field of the template present (null when empty), and
/// above each field a `"_field"` key with what it takes: JSON has no comments, and a hint next
/// to the value is where a person filling it looks. Keys starting with `_` are ignored on reading
/// (template ids never start with one), so the hints can stay in the file.
enum ContentFile {
    /// The file's text, in the template's order: each section's hint, then per field its hint
    /// (one line) just above its value.
    /// `version`: the handover's version the file starts from, kept as `"_version"` so a save from
    /// it cannot overwrite what someone else saved since (it is sent as If-Match).
    static func text(content: HandoverContent, template: Template, version: Int) -> Data {
        var lines = ["{", "  \"_about\": \(compact(.string(about(template)))),", "  \"_version\": \(version),"]
        for (s, section) in template.sections.enumerated() {
            lines.append("  \(compact(.string(section.id))): {")
            lines.append("    \"_section\": \(compact(.string("\(section.title): \(section.guidance)"))),")
            for (f, field) in section.fields.enumerated() {
                var hint: [String: JSONValue] = [
                    "label": .string(field.label), "required": .bool(field.required), "value": .string(field.type.shape),
                    "guidance": .string(field.guidance), "example": field.example,
                ]
                if let options = field.options { hint["entries"] = .array(options.map(JSONValue.string)) }
                let order = ["label", "required", "value", "entries", "guidance", "example"] + field.type.keyOrder
                lines.append("    \(compact(.string("_" + field.id))): \(JSONText.compact(.object(hint), keyOrder: order)),")
                let value = pretty(content[section.id, field.id] ?? .null).replacingOccurrences(of: "\n", with: "\n    ")
                lines.append("    \(compact(.string(field.id))): \(value)\(f == section.fields.count - 1 ? "" : ",")")
            }
            lines.append("  }\(s == template.sections.count - 1 ? "" : ",")")
        }
        lines.append("}")
        return Data((lines.joined(separator: "\n") + "\n").utf8)
    }

    static func about(_ template: Template) -> String {
        "Content of a handover on template \(template.key) v\(template.version). Replace the nulls; null leaves a field empty. "
            + "Keys starting with _ are hints (what each field takes, with an example) and are ignored."
    }

    private static func compact(_ value: JSONValue) -> String { JSONText.compact(value) }

    private static func pretty(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    /// Reads a file back as a patch: every field it names, hints dropped. Throws a message that
    /// says where the JSON is wrong.
    /// The version the file was written from (`"_version"`), if it says.
    static func version(in data: Data) -> Int? {
        guard case .object(let top)? = try? JSONDecoder().decode(JSONValue.self, from: data), case .number(let number)? = top["_version"] else { return nil }
        return Int(exactly: number)
    }

    static func patch(from data: Data) throws -> HandoverContent {
        let value: JSONValue
        do { value = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw CLIError("The file is not valid JSON: \(JSONSyntax.describe(error, in: data)).")
        }
        guard case .object(let sections) = value else { throw CLIError("The file must hold one JSON object: {\"section\": {\"field\": value}}.") }
        var patch = HandoverContent()
        for (sectionID, fields) in sections where !sectionID.hasPrefix("_") {
            guard case .object(let fields) = fields else { throw CLIError("\(sectionID): expected an object of fields, {\"field\": value}.") }
            for (fieldID, value) in fields where !fieldID.hasPrefix("_") { patch[sectionID, fieldID] = value }
        }
        return patch
    }
}

enum JSONSyntax {
    /// Foundation's parse error, as a line and column where it can tell.
    static func describe(_ error: any Error, in data: Data) -> String {
        let text = "\((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? "")"
        if let range = text.range(of: #"(line \d+, column \d+|around line \d+, column \d+|character \d+)"#, options: .regularExpression) {
            return String(text[range])
        }
        if case DecodingError.dataCorrupted(let context) = error, let underlying = context.underlyingError {
            return describe(underlying, in: data)
        }
        return text.isEmpty ? "could not be parsed" : text
    }
}
