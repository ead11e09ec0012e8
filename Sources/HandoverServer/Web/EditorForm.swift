import Foundation
import HandoverCore

/// The handover editor as a plain HTML form, both ways: content → inputs, posted form → a patch.
///
/// Names: `f.{section}.{field}` for text, markdown and dates; list fields post one row per index,
/// `f.{section}.{field}.{row}.{property}`, and a row whose first property is blank is dropped;
/// checklists post `f.{section}.{field}.{option}.done` for each ticked option. Ids are the names
/// with dots turned into dashes.
enum EditorForm {
    /// The properties of a row of each list type, the first one being the row's identity.
    static func properties(of type: FieldType) -> [(name: String, label: String, input: String)] {
        switch type {
        case .items: [("title", "Item", "text"), ("owner", "Owner", "text"), ("due", "Due", "date"), ("status", "Status", "text"), ("notes", "Notes", "text")]
        case .contacts:
            [
                ("name", "Name", "text"), ("role", "Role", "text"), ("email", "Email", "email"), ("phone", "Phone", "tel"),
                ("preference", "How they like to be reached", "text"), ("notes", "Notes", "text"), ("owner", "Relationship owner (ours)", "text"),
            ]
        case .decisions: [("decision", "Decision", "text"), ("rationale", "Why", "text"), ("date", "When", "date")]
        case .text, .markdown, .date, .checklist: []
        }
    }

    /// Blank rows offered below the filled ones, so that a list grows without JavaScript.
    static let blankRows = 2

    static func name(_ parts: String...) -> String { (["f"] + parts).joined(separator: ".") }
    static func id(_ name: String) -> String { name.replacingOccurrences(of: ".", with: "-") }

    // MARK: Posted form → patch

    /// Every field of the template, as the form says it should now be (`null` clears it), or the
    /// problems with what was posted.
    static func patch(from form: Form, template: Template) -> Result<HandoverContent, HandoverError> {
        var patch = HandoverContent()
        var problems: [Problem] = []
        for section in template.sections {
            for field in section.fields {
                let base = name(section.id, field.id)
                let path = "\(section.id).\(field.id)"
                switch field.type {
                case .text, .markdown:
                    patch[section.id, field.id] = form.text(base).map { .string(normalizedNewlines($0)) } ?? .null
                case .date:
                    if let text = form.text(base) {
                        if CalendarDate(text) == nil { problems.append(Problem(path: path, message: "expected a date as YYYY-MM-DD, got \"\(text)\"")) }
                        patch[section.id, field.id] = .string(text)
                    } else {
                        patch[section.id, field.id] = .null
                    }
                case .items, .contacts, .decisions:
                    let rows = rows(in: form, base: base, properties: properties(of: field.type).map(\.name))
                    for (index, row) in rows.enumerated() {
                        for key in ["due", "date"] {
                            if case .string(let text)? = row[key], CalendarDate(text) == nil {
                                problems.append(Problem(path: "\(path)[\(index)].\(key)", message: "expected a date as YYYY-MM-DD, got \"\(text)\""))
                            }
                        }
                    }
                    patch[section.id, field.id] = rows.isEmpty ? .null : .array(rows.map(JSONValue.object))
                case .checklist:
                    let entries: [JSONValue] = (field.options ?? []).enumerated().map { index, option in
                        var entry: [String: JSONValue] = ["item": .string(option), "done": .bool(form[name(section.id, field.id, String(index), "done")] == "on")]
                        if let note = form.text(name(section.id, field.id, String(index), "note")) { entry["note"] = .string(note) }
                        return .object(entry)
                    }
                    patch[section.id, field.id] = entries.isEmpty ? .null : .array(entries)
                }
            }
        }
        return problems.isEmpty ? .success(patch) : .failure(.invalid(problems))
    }

    /// Rows `base.0.*`, `base.1.*`, … in index order, skipping rows whose first property is blank.
    static func rows(in form: Form, base: String, properties: [String]) -> [[String: JSONValue]] {
        let prefix = base + "."
        var indexes = Set<Int>()
        for key in form.values.keys where key.hasPrefix(prefix) {
            let rest = key.dropFirst(prefix.count)
            if let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]), index >= 0, index < 500 { indexes.insert(index) }
        }
        return indexes.sorted().compactMap { index in
            guard let first = properties.first, form.text("\(prefix)\(index).\(first)") != nil else { return nil }
            var row: [String: JSONValue] = [:]
            for property in properties {
                if let value = form.text("\(prefix)\(index).\(property)") { row[property] = .string(value) }
            }
            return row
        }
    }

    static func normalizedNewlines(_ text: String) -> String { text.replacingOccurrences(of: "\r\n", with: "\n") }

    // MARK: Findings → inputs

    /// The id of the input a finding is about, for a link that moves the focus there: the field's
    /// input, or in a list the row's input the finding names (an item's owner, a contact's
    /// preference), or a checklist's unticked option. Nil for findings about the account.
    static func anchor(for finding: Finding, in template: Template) -> String? {
        let fieldPath = String(finding.path.prefix { $0 != "[" })
        let parts = fieldPath.split(separator: ".").map(String.init)
        guard parts.count == 2, let section = template.sections.first(where: { $0.id == parts[0] }),
            let field = section.fields.first(where: { $0.id == parts[1] })
        else { return nil }
        let base = name(section.id, field.id)
        switch field.type {
        case .text, .markdown, .date:
            return id(base)
        case .items, .contacts, .decisions:
            let row = max(0, Lint.row(of: finding.path))
            let properties = properties(of: field.type).map(\.name)
            // "openWork.openItems[0].notes" names its property; the rules name theirs.
            let named = finding.path.split(separator: "]", maxSplits: 1).dropFirst().first.map { String($0.drop { $0 == "." }) }
            let byRule = ["item-owner": "owner", "item-due": "due", "contact-preference": "preference", "decision-rationale": "rationale"][finding.rule]
            let property = [named, byRule].compactMap { $0 }.first { properties.contains($0) } ?? properties[0]
            return id(name(section.id, field.id, String(row), property))
        case .checklist:
            // The option the finding quotes, else the first box.
            let index = (field.options ?? []).firstIndex { finding.message.contains("“\($0)”") } ?? 0
            return id(name(section.id, field.id, String(index), "done"))
        }
    }

    // MARK: Content → inputs

    /// The inputs for one field, filled with its current value.
    static func inputs(section: TemplateSection, field: TemplateField, value: JSONValue?) -> HTML {
        let base = name(section.id, field.id)
        let required = field.required ? HTML(unsafe: " <span class=\"required\">required</span>") : .empty
        let guidanceID = id(base) + "-guidance"
        let guidance: HTML = "<p class=\"guidance\" id=\"\(guidanceID)\">\(field.guidance)</p>"
        switch field.type {
        case .text:
            return """
                <div class="field"><label for="\(id(base))">\(field.label)\(required)</label>\(guidance)
                <input type="text" id="\(id(base))" name="\(base)" value="\(value?.stringValue)" aria-describedby="\(guidanceID)"></div>
                """
        case .markdown:
            return """
                <div class="field"><label for="\(id(base))">\(field.label)\(required)</label>\(guidance)
                <textarea id="\(id(base))" name="\(base)" rows="4" aria-describedby="\(guidanceID)">\(value?.stringValue)</textarea></div>
                """
        case .date:
            // The browser's date input shows its reader's locale format (03/12/2026, 12/03/2026, …);
            // beside it, the saved date as the rest of the app writes it, so the two can be matched.
            let shown = value?.stringValue.flatMap(CalendarDate.init).map { "<span class=\"date-shown\" id=\"\(id(base))-shown\">\(Web.day($0))</span>" as HTML }
            let described = shown == nil ? guidanceID : "\(guidanceID) \(id(base))-shown"
            return """
                <div class="field"><label for="\(id(base))">\(field.label)\(required)</label>\(guidance)
                <input type="date" id="\(id(base))" name="\(base)" value="\(value?.stringValue)" aria-describedby="\(described)"> \(shown)</div>
                """
        case .items, .contacts, .decisions:
            let properties = properties(of: field.type)
            let existing = value?.arrayValue ?? []
            let rows: [HTML] = (0..<(existing.count + blankRows)).map { row in
                let object = row < existing.count ? existing[row].objectValue ?? [:] : [:]
                let cells: [HTML] = properties.map { property in
                    let inputName = name(section.id, field.id, String(row), property.name)
                    return """
                        <div class="cell"><label for="\(id(inputName))">\(property.label)</label>
                        <input type="\(property.input)" id="\(id(inputName))" name="\(inputName)" value="\(object[property.name]?.stringValue)"></div>
                        """
                }
                return "<fieldset class=\"row\"><legend class=\"visually-hidden\">\(field.label) \(row + 1)</legend>\(cells)</fieldset>"
            }
            return """
                <div class="field list"><p class="label">\(field.label)\(required)</p>\(guidance)
                \(rows)<p class="hint">Leave the first box of a row empty to remove it. Save to get more empty rows.</p></div>
                """
        case .checklist:
            let entries = value?.arrayValue?.compactMap(\.objectValue) ?? []
            let boxes: [HTML] = (field.options ?? []).enumerated().map { index, option in
                let done = entries.first { $0["item"]?.stringValue == option }?["done"] == .bool(true)
                let inputName = name(section.id, field.id, String(index), "done")
                return """
                    <li><input type="checkbox" id="\(id(inputName))" name="\(inputName)" value="on"\(HTML.attribute("checked", done))>
                    <label for="\(id(inputName))">\(option)</label></li>
                    """
            }
            return """
                <fieldset class="field checklist"><legend>\(field.label)\(required)</legend>\(guidance)<ul>\(boxes)</ul></fieldset>
                """
        }
    }
}
