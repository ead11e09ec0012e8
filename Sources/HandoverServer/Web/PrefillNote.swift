import Foundation
import HandoverCore

/// Under a pre-filled field: where its value came from (the account's profile, or imported rows
/// linked to the account's "Imported activity"), and whether anyone has reviewed it. In the
/// editor an unreviewed field also offers the box that says it is right as it stands.
enum PrefillNote {
    /// The box's name: `reviewed.{section}.{field}`.
    static func boxName(_ path: String) -> String { "reviewed." + path }

    /// The pre-filled fields whose box was ticked in a posted editor form, or every one not yet
    /// reviewed when the form was sent with "All pre-filled values checked".
    static func checked(in form: Form, prefill: [String: PrefilledField]?) -> [String] {
        let fields = prefill ?? [:]
        if form[allName] == "on" { return fields.filter { !$0.value.isReviewed }.keys.sorted() }
        return fields.keys.sorted().filter { form[boxName($0)] == "on" }
    }

    static let allName = "reviewed-all"

    /// Saves the form and checks every pre-filled field still unreviewed: for a transferor who has
    /// read them all. Shown only while one is waiting.
    static func checkAllButton(_ prefill: [String: PrefilledField]?) -> HTML {
        let waiting = (prefill ?? [:]).values.filter { !$0.isReviewed }.count
        guard waiting > 0 else { return .empty }
        return """
            <button type="submit" id="check-all-prefilled" class="secondary" name="\(allName)" value="on">Save, all \(waiting) pre-filled checked</button>
            """
    }

    static func editor(_ field: PrefilledField?, path: String, label: String, accountID: String) -> HTML {
        guard let field else { return .empty }
        let id = EditorForm.id("reviewed." + path)
        let review: HTML =
            field.isReviewed
            ? "<p class=\"meta\">\(Self.reviewed(field))</p>"
            : """
            <p class="prefill-check"><input type="checkbox" id="\(id)" name="\(boxName(path))" value="on">
            <label for="\(id)">Checked: “\(label)” is right as it stands</label></p>
            """
        return "<div class=\"prefill\" id=\"prefill-\(EditorForm.id(path))\">\(sources(field, accountID: accountID))\(review)</div>"
    }

    static func reading(_ field: PrefilledField?, accountID: String) -> HTML {
        guard let field else { return .empty }
        return "<div class=\"prefill\">\(sources(field, accountID: accountID))<p class=\"meta\">\(reviewed(field))</p></div>"
    }

    /// "Pre-filled from Account profile." or a list, one line per source (and its row).
    static func sources(_ field: PrefilledField, accountID: String) -> HTML {
        let lines: [HTML] = field.sources.map { source in
            let row: HTML = source.row.map { "Row \($0 + 1): " } ?? .empty
            let link: HTML =
                source.source == "profile"
                ? "<a href=\"/accounts/\(accountID)\">\(source.label)</a>"
                : "<a href=\"/accounts/\(accountID)#imported\">\(source.label)</a>\(source.file.map { " (\($0)\(source.fileRow.map { ", row \($0)" } ?? ""))" })"
            return "\(row)\(link)"
        }
        if lines.count == 1 { return "<p class=\"meta\">Pre-filled from \(lines[0]).</p>" }
        let items: [HTML] = lines.map { "<li>\($0)</li>" }
        return "<p class=\"meta\">Pre-filled from \(lines.count) sources:</p><ul class=\"prefill-sources meta\">\(items)</ul>"
    }

    static func reviewed(_ field: PrefilledField) -> String {
        let when = field.reviewedAt.map { " on \(Web.day($0))" } ?? ""
        return switch field.review {
        case .edited: "Reviewed: edited since\(when)."
        case .checked: "Reviewed: checked as it stands\(when)."
        case nil: "Not reviewed yet."
        }
    }
}
