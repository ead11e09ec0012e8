import Foundation

/// One thing wrong with an input, at a path such as `sections[2].fields[0].id` or `overview.summary`.
public struct Problem: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var path: String
    public var message: String
    /// What the value looks like, when it was refused as a credential ("AWS access key"): never the value.
    public var kind: String?

    public init(path: String, message: String, kind: String? = nil) {
        self.path = path
        self.message = message
        self.kind = kind
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

extension Template {
    /// Decodes and checks a template definition, listing every problem rather than the first.
    public static func parse(_ data: Data) -> Result<Template, TemplateValidationError> {
        let template: Template
        do {
            template = try JSONDecoder().decode(Template.self, from: data)
        } catch let error as DecodingError {
            return .failure(TemplateValidationError(problems: [Problem(decoding: error, in: data)]))
        } catch {
            return .failure(TemplateValidationError(problems: [Problem(path: "", message: "not valid JSON")]))
        }
        let problems = template.problems
        return problems.isEmpty ? .success(template) : .failure(TemplateValidationError(problems: problems))
    }

    /// Every structural problem of this definition; empty when it is usable.
    public var problems: [Problem] {
        var problems: [Problem] = []
        func add(_ path: String, _ message: String) { problems.append(Problem(path: path, message: message)) }

        if !Template.isKey(key) { add("key", "must be 1-64 lowercase letters, digits or '-', starting with a letter") }
        if version < 1 { add("version", "must be 1 or more") }
        if summary.trimmingCharacters(in: .whitespaces).isEmpty { add("summary", "say when to use this template") }
        if name.trimmingCharacters(in: .whitespaces).isEmpty { add("name", "must not be empty") }
        if accountKinds.isEmpty { add("accountKinds", "name at least one account kind") }
        if Set(requiredSignoffs).count != requiredSignoffs.count { add("requiredSignoffs", "lists a role twice") }
        if synthesisPrompt.trimmingCharacters(in: .whitespaces).isEmpty { add("synthesisPrompt", "must not be empty") }
        if let days = rules.profileStaleDays, days < 1 { add("rules.profileStaleDays", "must be 1 or more") }
        if let days = rules.rotateSecretsWithinDays, !(1...TemplateRules.maxRotationDays).contains(days) {
            add("rules.rotateSecretsWithinDays", "must be from 1 to \(TemplateRules.maxRotationDays) days")
        }
        if let days = rules.questionsOpenForDays, !(0...QuestionWindow.maxDays).contains(days) {
            add("rules.questionsOpenForDays", "must be from 0 to \(QuestionWindow.maxDays) days")
        }
        if let minutes = rules.briefingMinimumMinutes, !BriefingRules.durationMinutes.contains(minutes) {
            add("rules.briefingMinimumMinutes", "must be from \(BriefingRules.durationMinutes.lowerBound) to \(BriefingRules.durationMinutes.upperBound) minutes")
        }
        if let days = rules.followUpAfterDays, !(0...365).contains(days) {
            add("rules.followUpAfterDays", "must be from 0 to 365 days")
        }
        if sections.isEmpty { add("sections", "a template needs at least one section") }

        var sectionIDs = Set<String>()
        for (s, section) in sections.enumerated() {
            let sp = "sections[\(s)]"
            if !Template.isIdentifier(section.id) { add("\(sp).id", "\"\(section.id)\" must be camelCase letters and digits, starting with a lowercase letter") }
            if !sectionIDs.insert(section.id).inserted { add("\(sp).id", "\"\(section.id)\" is used by another section") }
            if section.title.trimmingCharacters(in: .whitespaces).isEmpty { add("\(sp).title", "must not be empty") }
            if section.guidance.trimmingCharacters(in: .whitespaces).isEmpty { add("\(sp).guidance", "say what to write here and why") }
            if section.fields.isEmpty { add("\(sp).fields", "a section needs at least one field") }
            var fieldIDs = Set<String>()
            for (f, field) in section.fields.enumerated() {
                let fp = "\(sp).fields[\(f)]"
                if !Template.isIdentifier(field.id) { add("\(fp).id", "\"\(field.id)\" must be camelCase letters and digits, starting with a lowercase letter") }
                if !fieldIDs.insert(field.id).inserted { add("\(fp).id", "\"\(field.id)\" is used by another field of this section") }
                if field.label.trimmingCharacters(in: .whitespaces).isEmpty { add("\(fp).label", "must not be empty") }
                if field.guidance.trimmingCharacters(in: .whitespaces).isEmpty { add("\(fp).guidance", "say what to write here and why") }
                switch (field.type, field.options) {
                case (.checklist, nil), (.checklist, .some([])):
                    add("\(fp).options", "a checklist needs its entries")
                case (.checklist, .some(let options)):
                    if options.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) { add("\(fp).options", "an entry is empty") }
                    if Set(options).count != options.count { add("\(fp).options", "an entry is listed twice") }
                case (_, .some):
                    add("\(fp).options", "only checklist fields take options")
                case (_, nil):
                    break
                }
            }
        }
        return problems
    }

    static func isKey(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.count <= 64, ("a"..."z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.count <= 64, ("a"..."z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }
}

/// A template that cannot be used, with every problem found.
public struct TemplateValidationError: Error, Sendable, Hashable {
    public var problems: [Problem]
}

extension Problem {
    /// Turns a decoding failure into a path and a readable message.
    public init(decoding error: DecodingError) {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.reduce(into: "") { text, key in
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            self.init(path: parent.isEmpty ? key.stringValue : "\(parent).\(key.stringValue)", message: "is required")
        case .typeMismatch(let type, let context):
            self.init(path: path(context.codingPath), message: "expected \(FieldShape.name(of: type))")
        case .valueNotFound(let type, let context):
            self.init(path: path(context.codingPath), message: "expected \(FieldShape.name(of: type)), got null")
        case .dataCorrupted(let context):
            let message =
                context.debugDescription.contains("JSON") || context.codingPath.isEmpty
                ? "not valid JSON" : context.debugDescription
            self.init(path: path(context.codingPath), message: message)
        @unknown default:
            self.init(path: "", message: "could not be read")
        }
    }
}

enum FieldShape {
    static func name(of type: Any.Type) -> String {
        if type == String.self { return "a string" }
        if type == Int.self || type == Double.self { return "a number" }
        if type == Bool.self { return "true or false" }
        let text = String(describing: type)
        if text.hasPrefix("Array") { return "an array" }
        if text.hasPrefix("Dictionary") { return "an object" }
        return "a value of type \(text)"
    }
}
