import Foundation

/// Where one pre-filled value came from: the account's profile, or one imported row (with the
/// row's own provenance: its file, its row there, when it was imported).
public struct PrefillSource: Sendable, Hashable, Codable {
    /// `profile`, or the import source's id (`zendesk.ticket`).
    public var source: String
    /// What a person calls it: "Account profile", "Zendesk ticket 812".
    public var label: String
    /// The row of the field's list it filled (open items, contacts); nil for the field as a whole
    /// or a line of its text.
    public var row: Int?
    public var externalID: String?
    public var file: String?
    /// The row in `file` as a spreadsheet numbers it.
    public var fileRow: Int?
    public var importedAt: Date?

    public init(
        source: String, label: String, row: Int? = nil, externalID: String? = nil, file: String? = nil, fileRow: Int? = nil, importedAt: Date? = nil
    ) {
        self.source = source
        self.label = label
        self.row = row
        self.externalID = externalID
        self.file = file
        self.fileRow = fileRow
        self.importedAt = importedAt
    }

    public static let profileLabel = "Account profile"

    public static func profile(row: Int? = nil) -> PrefillSource { PrefillSource(source: "profile", label: profileLabel, row: row) }

    public static func imported(_ record: ImportedRecord, row: Int? = nil) -> PrefillSource {
        PrefillSource(
            source: record.source, label: "\(ImportSource.singular(record.source)) \(record.externalID)", row: row, externalID: record.externalID,
            file: record.provenance.file, fileRow: record.provenance.row, importedAt: record.provenance.importedAt)
    }

    /// "Zendesk ticket 812 (tickets.csv, row 5)", "Account profile".
    public var text: String {
        guard let file, let fileRow else { return label }
        return "\(label) (\(file), row \(fileRow))"
    }
}

/// One field a handover started with, filled in for the transferor: where each part of its value
/// came from, and whether a person has looked at it since.
public struct PrefilledField: Sendable, Hashable, Codable {
    public enum Review: String, Sendable, Hashable, Codable {
        /// The transferor changed the value: it is theirs now.
        case edited
        /// The transferor said the value is right as it stands.
        case checked
    }

    public var sources: [PrefillSource]
    public var review: Review?
    public var reviewedBy: String?
    public var reviewedAt: Date?

    public init(sources: [PrefillSource], review: Review? = nil, reviewedBy: String? = nil, reviewedAt: Date? = nil) {
        self.sources = sources
        self.review = review
        self.reviewedBy = reviewedBy
        self.reviewedAt = reviewedAt
    }

    public var isReviewed: Bool { review != nil }

    /// "Zendesk ticket 812", "Account profile and 3 more": where the value came from, in a phrase.
    public var from: String {
        let labels = sources.reduce(into: [String]()) { labels, source in if !labels.contains(source.label) { labels.append(source.label) } }
        guard let first = labels.first else { return "an earlier source" }
        return labels.count == 1 ? first : "\(first) and \(labels.count - 1) more"
    }
}

/// A new handover's content, filled in from what the organization already knows, and where each
/// filled-in field came from (keyed by `section.field`).
public struct PrefilledPacket: Sendable, Hashable {
    public var content: HandoverContent
    public var fields: [String: PrefilledField]

    public init(content: HandoverContent = HandoverContent(), fields: [String: PrefilledField] = [:]) {
        self.content = content
        self.fields = fields
    }

    /// Without the values at `paths` (as `CredentialScan` and `Template.problems` name them:
    /// `openWork.openItems[3].notes`, `overview.summary`, `risks`): a list loses the row, a field
    /// the whole field, a section the whole section. What is left keeps its sources, their rows
    /// renumbered.
    public func removing(paths: [String]) -> PrefilledPacket {
        var result = self
        var rowsByField: [String: Set<Int>] = [:]
        for path in paths {
            let field = String(path.prefix { $0 != "[" })
            let row = Lint.row(of: path)
            if row >= 0 { rowsByField[field, default: []].insert(row) } else { rowsByField[field] = [-1] }
        }
        for (field, rows) in rowsByField {
            let parts = field.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                // A whole section (one the template does not have): it and its fields go.
                result.content.sections[field] = nil
                result.fields = result.fields.filter { !$0.key.hasPrefix(field + ".") }
                continue
            }
            guard !rows.contains(-1), case .array(let values) = result.content[parts[0], parts[1]] else {
                result.content = result.content.merging(HandoverContent([parts[0]: [parts[1]: .null]]))
                result.fields[field] = nil
                continue
            }
            let kept = values.indices.filter { !rows.contains($0) }
            guard !kept.isEmpty else {
                result.content = result.content.merging(HandoverContent([parts[0]: [parts[1]: .null]]))
                result.fields[field] = nil
                continue
            }
            result.content[parts[0], parts[1]] = .array(kept.map { values[$0] })
            let sources = result.fields[field]?.sources ?? []
            result.fields[field]?.sources = sources.compactMap { source in
                guard let row = source.row else { return source }
                guard let index = kept.firstIndex(of: row) else { return nil }
                var moved = source
                moved.row = index
                return moved
            }
        }
        return result
    }

    /// The packet with `given` laid over it: a field the caller wrote is theirs, not pre-filled.
    public func overlaid(with given: HandoverContent) -> PrefilledPacket {
        var result = self
        result.content = content.merging(given)
        for (section, fields) in given.sections {
            for field in fields.keys { result.fields["\(section).\(field)"] = nil }
        }
        return result
    }
}

extension ImportSource {
    /// One row of the source, as a person names it: "Zendesk ticket", "Salesforce opportunity".
    public static func singular(_ id: String) -> String {
        guard let label = named(id)?.label else { return id }
        if label.hasSuffix("ies") { return String(label.dropLast(3)) + "y" }
        return label.hasSuffix("s") ? String(label.dropLast()) : label
    }
}

/// How an edit reviews pre-filled fields. Pure.
public enum PrefillReview {
    /// The fields after an edit by `memberID`: a pre-filled field the patch sets (or clears) was
    /// `edited`, the transferor having written it; one named in `checked` (`section.field`) was
    /// `checked`. A field reviewed before keeps its first review. Naming a field that was not
    /// pre-filled is refused (`invalid`).
    public static func apply(
        to fields: [String: PrefilledField]?, patch: HandoverContent, checked: [String], by memberID: String, at now: Date
    ) throws(HandoverError) -> [String: PrefilledField]? {
        let problems = checked.enumerated().compactMap { index, path in
            fields?[path] == nil
                ? Problem(path: "reviewed[\(index)]", message: "\(path) was not pre-filled; only pre-filled fields (see the handover's prefill) are reviewed")
                : nil
        }
        guard problems.isEmpty else { throw .invalid(problems) }
        guard var fields else { return nil }
        for (path, field) in fields where !field.isReviewed {
            let parts = path.split(separator: ".").map(String.init)
            guard parts.count == 2 else { continue }
            let review: PrefilledField.Review? = patch[parts[0], parts[1]] != nil ? .edited : (checked.contains(path) ? .checked : nil)
            guard let review else { continue }
            fields[path]?.review = review
            fields[path]?.reviewedBy = memberID
            fields[path]?.reviewedAt = now
        }
        return fields
    }

    /// The fields of `patch` that change `content`, text compared as a form posts it back (line
    /// ends and surrounding white space aside). The web editor posts every field on every save:
    /// this is what the person actually changed, so that saving a form unchanged reviews nothing.
    public static func changes(_ patch: HandoverContent, to content: HandoverContent) -> HandoverContent {
        var changed = HandoverContent()
        for (section, fields) in patch.sections {
            for (field, value) in fields where !same(content[section, field], value == .null ? nil : value) { changed[section, field] = value }
        }
        return changed
    }

    static func same(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        func normal(_ text: String) -> String { text.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines) }
        if case .string(let x)? = a, case .string(let y)? = b { return normal(x) == normal(y) }
        return a == b
    }

    /// The pre-filled fields nobody has reviewed, in the template's form order.
    public static func unreviewed(_ fields: [String: PrefilledField]?, template: Template) -> [String] {
        guard let fields else { return [] }
        return template.fieldsWithPaths.map(\.path).filter { fields[$0].map { !$0.isReviewed } ?? false }
    }
}
