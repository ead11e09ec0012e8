import Foundation
import HandoverCore
import HandoverServices

/// "Seal it instead": when the editor's save is refused because a field holds a credential, each
/// finding offers to move the value into a sealed secret of the account. The page knows where the
/// value probably is (`CredentialDetector.valueRange`) and says so as offsets into the field, never
/// as the value: the script (`secrets.js`) cuts it out of the field in the browser, lets the person
/// correct it, seals it like "Add a secret" does, and puts a pointer to the secret in its place.
/// Sealing happens only in the browser; without JavaScript the refusal's advice stands alone.
enum SealInstead {
    /// One finding's offer: the input it is in and the value's place in that input's text, in
    /// UTF-16 code units (what JavaScript's `String.slice` counts).
    struct Offer: Sendable, Hashable {
        var field: String
        var start: Int
        var end: Int
        var kind: SecretKind
        var label: String
    }

    /// The offer for a finding in the editor's typed content, when its text and the input can be found.
    static func offer(_ finding: CredentialFinding, typed: HandoverContent, template: Template) -> Offer? {
        let lintFinding = Finding(severity: .error, rule: "plaintext-credential", path: finding.path, message: finding.looksLike)
        guard let field = EditorForm.anchor(for: lintFinding, in: template), let text = text(at: finding.path, in: typed),
            let range = CredentialDetector.valueRange(in: text)
        else { return nil }
        // A textarea drops one newline right after its start tag, so its value starts one later.
        let shift = text.hasPrefix("\n") ? 1 : 0
        let start = text.utf16.distance(from: text.startIndex, to: range.lowerBound) - shift
        let end = text.utf16.distance(from: text.startIndex, to: range.upperBound) - shift
        guard start >= 0, end > start else { return nil }
        return Offer(field: field, start: start, end: end, kind: kind(for: finding.kind), label: SaveRefusal.label(finding, template: template))
    }

    /// The string at a finding's path in content: `section.field`, or `section.field[row].property`.
    static func text(at path: String, in content: HandoverContent) -> String? {
        let head = path.prefix { $0 != "[" }
        let parts = head.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, let value = content[parts[0], parts[1]] else { return nil }
        guard head.count < path.count else { return value.stringValue }
        let rest = path.dropFirst(head.count + 1)
        guard let close = rest.firstIndex(of: "]"), let row = Int(rest[..<close]), let rows = value.arrayValue, rows.indices.contains(row) else { return nil }
        let property = rest[rest.index(after: close)...].drop { $0 == "." }
        return rows[row].objectValue?[String(property)]?.stringValue
    }

    /// What kind of secret a finding's kind ("AWS access key", "password") suggests.
    static func kind(for found: String) -> SecretKind {
        let text = found.lowercased()
        if text.contains("private key") { return .privateKey }
        if text.contains("recovery code") { return .recoveryCodes }
        if ["password", "passphrase", "pin", "basic auth"].contains(where: text.contains) { return .password }
        return .apiKey
    }

    /// The button for one offer. On a refused page it waits hidden for the script (which shows it
    /// when the page can seal); in an autosave answer the editor's script decides.
    static func button(_ offer: Offer, hidden: Bool) -> HTML {
        """
        <button type="button" class="seal-instead secondary" data-field="\(offer.field)" data-start="\(offer.start)" data-end="\(offer.end)" \
        data-kind="\(offer.kind.rawValue)" data-label="\(offer.label)"\(hidden ? " hidden" as HTML : .empty)>Seal it instead<span class="visually-hidden">: \(offer.label)</span></button>
        """
    }

    /// The offers of an autosave refusal, for the editor's script to show under its status line.
    static func offers(_ findings: [CredentialFinding], typed: HandoverContent, template: Template) -> HTML {
        let buttons: [HTML] = findings.compactMap { offer($0, typed: typed, template: template) }.map { button($0, hidden: false) }
        return buttons.isEmpty ? .empty : "<div class=\"seal-offers\">\(buttons)</div>"
    }

    /// The dialog the buttons open, on the editor of someone who may add secrets to the account
    /// once a recovery key exists (otherwise no button shows, and the refusal's advice stands).
    static func dialog(account: Account, me: Member) -> HTML {
        let kinds: [HTML] = SecretKind.allCases.map { "<option value=\"\($0.rawValue)\">\($0.rawValue)</option>" }
        return """
            <dialog id="seal-instead" aria-labelledby="seal-instead-title" data-member="\(me.id)" data-organization="\(me.organizationID)" data-account="\(account.id)">
            <!-- method="dialog": the value never leaves as form data; the script seals it. -->
            <form id="seal-instead-form" method="dialog">
            <h2 id="seal-instead-title">Seal it instead</h2>
            <p class="guidance">The value becomes a sealed secret of \(account.name), sealed in this browser to you and to the organization's
            recovery key: the server receives only ciphertext. In <strong id="seal-instead-field"></strong>, the value is replaced by a pointer to the secret.</p>
            <div class="field"><label for="seal-instead-value">Value (check it is all of it, and only it)</label>
            <textarea id="seal-instead-value" name="value" rows="3" required autocomplete="off" spellcheck="false"></textarea></div>
            <div class="field"><label for="seal-instead-name">Name (what it is, never the value)</label>
            <input type="text" id="seal-instead-name" name="name" required maxlength="\(Secret.maxNameLength)" autocomplete="off"></div>
            <div class="field"><label for="seal-instead-system">System</label>
            <input type="text" id="seal-instead-system" name="system" maxlength="\(Secret.maxNameLength)" autocomplete="off"></div>
            <div class="field"><label for="seal-instead-kind">Kind</label><select id="seal-instead-kind" name="kind">\(kinds)</select></div>
            <p class="actions"><button type="submit" id="seal-instead-seal">Seal and replace</button>
            <button type="button" id="seal-instead-cancel" class="secondary">Cancel</button></p>
            <p id="seal-instead-status" role="status" class="overdue"></p>
            </form></dialog>
            """
    }
}
