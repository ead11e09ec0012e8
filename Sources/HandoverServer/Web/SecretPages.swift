import Foundation
import HandoverCore
import HandoverServices
import HandoverTrust

/// Sealed secrets in the web pages. The server renders what a secret is and who can open it;
/// sealing and opening happen in the page (`secrets.js` with `hpke.js`), so a value and a content
/// key exist only in the member's browser. Without JavaScript the pages say so and name the CLI.
extension WebPages {
    /// The two scripts, in order (both deferred, so they run in document order once parsed):
    /// only on the pages that seal or open.
    static let secretScripts: HTML = """
        <script src="\(Assets.hpkeScript.path)" defer></script>
        <script src="\(Assets.secretsScript.path)" defer></script>
        """

    /// The account page's Secrets section: the list, "Open" for its readers, "Add a secret" for
    /// those who may, the viewer's key, and everyone's fingerprints.
    static func secretsSection(_ model: SecretsModel, account: Account, names: [String: String], me: Member) -> HTML {
        let mine = model.key(of: me.id)
        let rows: [HTML] = model.secrets.map { secret in
            let readers = secret.readers.map { names[$0] ?? "a former member" }.joined(separator: ", ")
            let open: HTML =
                secret.readers.contains(me.id)
                ? """
                <button type="button" class="open-secret secondary needs-js" hidden>Open</button>
                <div class="secret-value" hidden><span class="masked" aria-hidden="true">••••••••••••</span>
                <textarea class="value" readonly rows="2" spellcheck="false" aria-label="Value of \(secret.name)" hidden></textarea>
                <button type="button" class="reveal secondary" aria-pressed="false">Show</button>
                <button type="button" class="copy secondary">Copy</button></div>
                \(Self.rotateAndShare(secret, model: model, names: names))
                <p class="secret-status meta" role="status"></p>
                """
                : "<span class=\"meta\">Not sealed to you</span>"
            return """
                <tr id="secret-\(secret.id)" data-secret="\(secret.id)"><td class="secret-name">\(secret.name)</td>\
                <td data-label="System">\(secret.system.isEmpty ? "—" : secret.system)</td><td data-label="Kind">\(secret.kind.rawValue)</td>\
                <td data-label="Version">\(secret.version)</td><td data-label="Last rotated">\(Web.day(secret.lastRotatedAt))</td>\
                <td data-label="Readers" class="secret-readers">\(readers.isEmpty ? "only the recovery key" : readers)</td><td class="secret-actions">\(open)</td></tr>
                """
        }
        let list: HTML =
            rows.isEmpty
            ? "<p class=\"empty\" id=\"no-secrets\">No secrets sealed to this account yet.</p>"
            : """
            <div class="table-wrap"><table id="secret-list" class="stack"><caption class="visually-hidden">Secrets of \(account.name)</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">System</th><th scope="col">Kind</th><th scope="col">Version</th>\
            <th scope="col">Last rotated</th><th scope="col">Readers</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
        let kinds: [HTML] = SecretKind.allCases.map { "<option value=\"\($0.rawValue)\">\($0.rawValue)</option>" }
        let add: HTML =
            model.canAdd
            ? """
            <details id="add-secret-panel" class="needs-js" hidden><summary>Add a secret</summary>
            \(model.hasRecoveryKey ? HTML.empty : "<p class=\"overdue\" id=\"no-recovery-key\">No recovery key is registered yet, so nothing can be sealed: an admin must run <code>handover admin recovery-key new</code> first.</p>" as HTML)
            <!-- method="dialog": outside a dialog this form submits nowhere, so even if the script
                 failed the value could not travel in a URL or a request body. -->
            <form id="add-secret" method="dialog">
            <div class="field"><label for="secret-name">Name (what it is, never the value)</label><input type="text" id="secret-name" name="name" required maxlength="\(Secret.maxNameLength)" autocomplete="off"></div>
            <div class="field"><label for="secret-system">System</label><input type="text" id="secret-system" name="system" maxlength="\(Secret.maxNameLength)" autocomplete="off"></div>
            <div class="field"><label for="secret-kind">Kind</label><select id="secret-kind" name="kind">\(kinds)</select></div>
            <div class="field"><label for="secret-value">Value</label>
            <textarea id="secret-value" name="value" rows="3" required autocomplete="off" spellcheck="false" aria-describedby="secret-value-help"></textarea>
            <p class="guidance" id="secret-value-help">Sealed in this browser to you and to the organization's recovery key: the server receives only ciphertext.</p></div>
            <button type="submit" id="seal-secret">Seal and save</button>
            <p id="add-secret-status" role="status" class="overdue"></p>
            </form></details>
            """
            : .empty
        let keyLine: HTML =
            mine.map {
                "Your encryption key: <code>\(SecretSeal.fingerprint(Data(base64Encoded: $0.publicKey) ?? Data()))</code> (made \($0.origin == "browser" ? "in a browser" : "with the CLI"), \(Web.day($0.enrolledAt)))."
            } ?? "You have no encryption key yet: this browser makes one when you first add or open a secret."
        let fingerprints: [HTML] = model.keys.sorted { (names[$0.memberID] ?? "") < (names[$1.memberID] ?? "") }.map { key in
            """
            <li><strong>\(names[key.memberID] ?? "a former member")</strong> <code class="fingerprint">\(SecretSeal.fingerprint(Data(base64Encoded: key.publicKey) ?? Data()))</code>
            <span class="meta">\(key.origin == "browser" ? "browser" : "CLI") · \(Web.day(key.enrolledAt))</span></li>
            """
        }
        return """
            <section id="secrets" class="card" aria-labelledby="secrets-title" data-member="\(me.id)" data-organization="\(me.organizationID)"
              data-account="\(account.id)" data-key="\(mine?.id)">
            <h2 id="secrets-title">Secrets</h2>
            <p class="guidance">Passwords, keys and codes of this account, sealed: the server keeps only ciphertext, and each reader opens them with their own key.</p>
            <p class="no-js guidance">Sealing and opening secrets happen in your browser and need JavaScript. Without it, use the CLI:
            <code>handover secret list --account \(account.id)</code>, <code>handover secret open SECRET</code>, <code>handover secret add --account \(account.id) --name NAME</code>.</p>
            \(list)
            <p id="my-key" class="meta">\(keyLine) <span id="my-key-here"></span></p>
            <p class="needs-js" hidden><button type="button" id="make-browser-key" class="secondary" hidden>\(mine == nil ? "Make this browser's key now" : "Make a key in this browser instead")</button></p>
            \(add)
            <details id="key-fingerprints"><summary>Everyone's encryption key fingerprints</summary>
            <p class="guidance">Compare a colleague's fingerprint with the one they see on their own page (or in <code>handover key fingerprints</code>) before you rely on a secret sealed to them.</p>
            \(fingerprints.isEmpty ? "<p class=\"empty\">Nobody has an encryption key yet.</p>" as HTML : "<ul class=\"list\">\(fingerprints)</ul>")
            </details>
            <p id="secrets-status" role="status" class="overdue"></p>
            </section>
            \(Self.secretScripts)
            """
    }

    /// A reader's two other actions on a secret, both sealed in the page: a new value for the same
    /// readers (rotation), and the current value sealed to one more member who has a key.
    static func rotateAndShare(_ secret: Secret, model: SecretsModel, names: [String: String]) -> HTML {
        let candidates = model.keys.filter { !secret.readers.contains($0.memberID) }.compactMap { key in names[key.memberID].map { (key.memberID, $0) } }
            .sorted { $0.1 < $1.1 }
        let options: [HTML] = candidates.map { "<option value=\"\($0.0)\">\($0.1)</option>" }
        let share: HTML =
            candidates.isEmpty
            ? .empty
            : """
            <details class="share-secret needs-js" hidden><summary>Share</summary>
            <form class="share-form" method="dialog"><div class="field"><label for="share-\(secret.id)">Seal it to</label>
            <select id="share-\(secret.id)" name="reader">\(options)</select></div>
            <button type="submit" class="secondary">Share</button></form></details>
            """
        return """
            <details class="rotate-secret needs-js" hidden><summary>Rotate</summary>
            <form class="rotate-form" method="dialog"><div class="field"><label for="rotate-\(secret.id)">New value (sealed to the same readers)</label>
            <textarea id="rotate-\(secret.id)" name="value" rows="2" required autocomplete="off" spellcheck="false"></textarea></div>
            <button type="submit" class="secondary">Seal the new version</button></form></details>\(share)
            """
    }

    /// On a handover's page: for its transferor, the step that seals the account's secrets to the
    /// recipient; for its recipient, when they can open them.
    static func secretsStep(_ model: SecretsModel, handover: Handover, parties: Parties, me: Member) -> HTML {
        guard handover.state.isOpen, !model.secrets.isEmpty else { return .empty }
        let recipient = parties.recipient.name, transferor = parties.transferor.name
        let sealed = model.secrets.filter { $0.readers.contains(handover.recipientID) }
        let acknowledged = handover.state == .acknowledged
        if me.id == handover.recipientID {
            guard !sealed.isEmpty else {
                return """
                    <section id="secrets-step" class="card" aria-labelledby="secrets-step-title"><h2 id="secrets-step-title">Secrets</h2>
                    <p>The account has \(Self.count(model.secrets.count, "secret")). \(transferor) seals them to you as a step of this handover.</p></section>
                    """
            }
            let when: HTML =
                acknowledged
                ? "You can open them on <a href=\"/accounts/\(handover.accountID)#secrets\">the account's page</a>."
                : "You can open them on the account's page once you acknowledge this handover."
            return """
                <section id="secrets-step" class="card" aria-labelledby="secrets-step-title"><h2 id="secrets-step-title">Secrets</h2>
                <p id="secrets-for-recipient">\(transferor) sealed \(sealed.count) of the account's secrets to you. \(when)</p></section>
                """
        }
        guard me.id == handover.transferorID else { return .empty }
        let pending = model.secrets.filter { $0.readers.contains(me.id) && !$0.readers.contains(handover.recipientID) }
        let unreachable = model.secrets.filter { !$0.readers.contains(me.id) && !$0.readers.contains(handover.recipientID) }
        let others: HTML =
            unreachable.isEmpty
            ? .empty
            : " \(unreachable.count) more \(unreachable.count == 1 ? "is" : "are") not sealed to you: ask one of its readers to share it."
        let body: HTML
        if pending.isEmpty {
            body = "<p id=\"secrets-all-sealed\">\(recipient) holds every secret of the account you can open (\(sealed.count)).\(others)</p>"
        } else if let key = model.key(of: handover.recipientID) {
            let ids = pending.map(\.id).joined(separator: " ")
            body = """
                <p id="secrets-pending"><strong>\(Self.count(pending.count, "secret"))</strong> of the account \(pending.count == 1 ? "is" : "are") not sealed to \(recipient) yet.\(others)
                This browser opens each one with your key and seals its key again to \(recipient)'s encryption key
                (fingerprint <code>\(SecretSeal.fingerprint(Data(base64Encoded: key.publicKey) ?? Data()))</code>); \(recipient) opens them once they
                acknowledge the handover, and your access ends when it completes.</p>
                <p class="no-js guidance">This needs JavaScript; or run <code>handover secret share --handover \(handover.id)</code>.</p>
                <p class="needs-js" hidden><button type="button" id="seal-to-recipient" data-secrets="\(ids)">Seal the account's secrets to \(recipient)</button></p>
                <p id="secrets-step-status" role="status" class="overdue"></p>
                """
        } else {
            body = """
                <p id="secrets-pending">\(Self.count(pending.count, "secret")) of the account \(pending.count == 1 ? "is" : "are") not sealed to \(recipient) yet,
                and \(recipient) has no encryption key: ask them to open the account's page in their browser (which makes one) or to run
                <code>handover key new --encryption</code>.</p>
                """
        }
        let script = Self.sealsToRecipient(model, handover: handover, me: me) ? Self.secretScripts : HTML.empty
        return """
            <section id="secrets-step" class="card" aria-labelledby="secrets-step-title" data-member="\(me.id)" data-organization="\(me.organizationID)"
              data-key="\(model.key(of: me.id)?.id)" data-handover="\(handover.id)" data-recipient="\(handover.recipientID)" data-recipient-name="\(recipient)">
            <h2 id="secrets-step-title">Secrets</h2>\(body)</section>\(script)
            """
    }

    /// Whether the step has the button that seals secrets to the recipient (and so loads the scripts):
    /// for the transferor of an open handover, while the recipient has a key and lacks a secret.
    static func sealsToRecipient(_ model: SecretsModel, handover: Handover, me: Member) -> Bool {
        guard handover.state.isOpen, me.id == handover.transferorID, model.key(of: handover.recipientID) != nil else { return false }
        return model.secrets.contains { $0.readers.contains(me.id) && !$0.readers.contains(handover.recipientID) }
    }

    /// "1 secret", "3 secrets".
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
