import Foundation
import HandoverCore
import HandoverServices
import HandoverTrust

/// The physical assets page (`/physical-assets`: "/assets" serves the static files) and a custody
/// transfer's page (`/custody/:id`): expected items against what arrived, the receiver's form,
/// and signing in the browser with the sign-off script.
extension WebPages {
    func physicalAssets(_ viewer: Viewer) async throws -> HTML {
        Self.physicalAssets(try await services.custody.assetsPage(for: viewer.member), viewer: viewer)
    }

    static func physicalAssets(_ model: PhysicalAssetsModel, viewer: Viewer) -> HTML {
        let names = model.memberNames
        let rows: [HTML] = model.assets.map { a in
            """
            <tr class="physical-asset"><td>\(a.name)</td><td data-label="Kind">\(a.kind.rawValue)</td><td data-label="Serial">\(a.serial ?? "—")</td>\
            <td data-label="Held by">\(names[a.custodianID] ?? "A former member")</td><td data-label="Condition">\(a.condition.rawValue)</td>\
            <td data-label="Where">\(a.location.isEmpty ? "—" : a.location)</td><td data-label="Since">\(Web.day(a.updatedAt))</td></tr>
            """
        }
        let transfers: [HTML] = model.transfers.map { t in
            """
            <li><a href="/custody/\(t.id)">\(names[t.fromID] ?? "A former member") to \(names[t.toID] ?? "a former member")</a> \
            <span class="meta">\(t.items.count) item\(t.items.count == 1 ? "" : "s") · \(Self.stateText(t.state)) · started \(Web.day(t.createdAt))</span></li>
            """
        }
        return Layout(title: "Assets", member: viewer.member, csrf: viewer.csrf, current: "physical-assets").render(
            """
            <h1>Assets</h1>
            <p class="lead">Laptops, badges, keys and tokens, and who holds each. An item changes hands only through a custody transfer both \
            people sign, so its history is provable: <code>handover asset history ID</code>.</p>
            \(model.assets.isEmpty ? "<p class=\"empty\" id=\"assets-empty\">No assets you may see.</p>" as HTML : """
                <div class="table-wrap"><table class="stack" id="assets">
                <caption class="visually-hidden">Assets you may see</caption>
                <thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Serial</th><th scope="col">Held by</th>\
                <th scope="col">Condition</th><th scope="col">Where</th><th scope="col">Since</th></tr></thead>
                <tbody>\(rows)</tbody></table></div>
                """)
            <section id="custody-transfers" aria-labelledby="transfers-title"><h2 id="transfers-title">Custody transfers</h2>
            \(transfers.isEmpty ? "<p class=\"empty\">None yet. Start one with <code>handover custody start --from EMAIL --to EMAIL</code>.</p>" as HTML : "<ul class=\"list\">\(transfers)</ul>" as HTML)
            </section>
            """)
    }

    static func stateText(_ state: CustodyState) -> String {
        switch state {
        case .awaitingReceipt: "waiting for the receiver's record"
        case .awaitingSignatures: "waiting for signatures"
        case .completed: "completed"
        }
    }

    func custodyTransfer(_ viewer: Viewer, id: String, problems: [Problem] = [], draft: CustodyReceiptDraft? = nil) async throws -> HTML {
        Self.custodyTransfer(try await services.custody.transferPage(id: id, for: viewer.member), viewer: viewer, problems: problems, draft: draft)
    }

    /// With `draft` (a refused receipt), the receipt form shows what was typed, not the record.
    static func custodyTransfer(_ model: CustodyTransferModel, viewer: Viewer, problems: [Problem] = [], draft: CustodyReceiptDraft? = nil) -> HTML {
        let t = model.transfer, names = model.memberNames, me = viewer.member
        let from = names[t.fromID] ?? "A former member", to = names[t.toID] ?? "a former member"
        let receiving = me.id == t.toID && t.state != .completed
        let rows: [HTML] = t.items.enumerated().map { index, item in
            let arrived: HTML
            if receiving {
                let current: CustodyOutcome? = if let draft { draft.outcome(of: item.asset) } else { item.outcome ?? .received }
                // A refused receipt that did not say what became of the item shows no choice made.
                let unchosen: HTML = current == nil ? "<option value=\"\" selected>choose…</option>" : .empty
                let options: [HTML] = CustodyOutcome.allCases.map {
                    "<option value=\"\($0.rawValue)\"\(HTML.attribute("selected", current == $0))>\($0.rawValue)</option>"
                }
                arrived = """
                    <label class="visually-hidden" for="outcome-\(index)">What arrived of \(item.name)</label>\
                    <select id="outcome-\(index)" name="outcome-\(item.asset)" form="receipt">\(unchosen)\(options)</select> \
                    <label class="visually-hidden" for="note-\(index)">Note on \(item.name)</label>\
                    <input type="text" id="note-\(index)" name="note-\(item.asset)" form="receipt" value="\(draft?.notes[item.asset] ?? item.note)" placeholder="Note (say what is damaged)">
                    """
            } else {
                arrived =
                    item.outcome.map { "<span class=\"outcome outcome-\($0.rawValue)\">\($0.rawValue)</span>\(item.note.isEmpty ? "" : ": \(item.note)")" }
                    ?? "not recorded yet"
            }
            return """
                <tr class="custody-item"><td>\(item.name)</td><td data-label="Kind">\(item.kind.rawValue)</td>\
                <td data-label="Serial">\(item.serial.isEmpty ? "—" : item.serial)</td><td data-label="Arrived">\(arrived)</td></tr>
                """
        }
        let extras: [HTML] = t.extras.map { extra in
            let registered: HTML =
                extra.asset != nil
                ? " <span class=\"meta\">registered as an asset</span>"
                : extra.registers ? " <span class=\"meta\">to register as a \(extra.kind?.rawValue ?? "")</span>" : .empty
            return "<li>\(extra.description)\(extra.serial.isEmpty ? "" : " (serial \(extra.serial))")\(registered)</li>"
        }
        let valid = Set(model.valid)
        let signatures: [HTML] = CustodyRole.allCases.map { role in
            let who = role == .giver ? from : to
            let line: HTML
            if let signed = model.signatures.last(where: { $0.role == role && valid.contains($0.id) }) {
                line = "<strong>signed</strong> \(Web.date(signed.recordedAt)), key <code>\(String(signed.keyID.prefix(12)))…</code>"
            } else if model.signatures.contains(where: { $0.role == role }) {
                line = "<span class=\"overdue\">to sign again</span>: the record changed after the earlier signature"
            } else {
                line = "<span class=\"muted\">not yet signed</span>"
            }
            return "<li id=\"custody-\(role.rawValue)\">\(role == .giver ? "Giver" : "Receiver") (\(who)): \(line)</li>"
        }
        var receipt: HTML = .empty
        if receiving {
            let typedExtras = draft?.extras ?? t.extras.filter { !$0.registers }.map(\.description).joined(separator: "\n")
            receipt = """
                <form id="receipt" method="post" action="/custody/\(t.id)/receipt">\(CSRF.field(viewer.csrf))
                <div class="field"><label for="extras">Extra items that arrived, one a line</label>
                <textarea id="extras" name="extras" rows="3">\(typedExtras)</textarea></div>
                <p class="guidance">Choose what arrived of each item above: received, missing, or damaged (with a note). Saving again replaces \
                the record, and any signature over the old one must be given again.</p>
                <button type="submit" id="save-receipt">Record what arrived</button></form>
                """
        }
        var signing: HTML = .empty
        if let statement = model.statement, let bytes = try? statement.canonicalBytes() {
            signing = """
                <form id="signoff" method="post" action="/custody/\(t.id)/sign" data-member="\(me.id)" data-organization="\(me.organizationID)"
                  data-keys="\(model.myKeys.joined(separator: " "))" data-payload-type="\(CustodyStatement.type)" data-cli="handover custody sign \(t.id)">\(CSRF.field(viewer.csrf))
                <input type="hidden" name="payload" value="\(Data(bytes).base64EncodedString())">
                <input type="hidden" name="envelope" value=""><input type="hidden" name="enrolment" value="">
                <p>You sign, as \(statement.role.rawValue): <q id="signoff-statement">\(statement.statement)</q></p>
                <p class="meta">Over this record, SHA-256 <code id="signoff-digest">\(statement.recordDigest)</code>.</p>
                <button type="submit" id="sign-button">Sign with this browser's key</button>
                <p id="signoff-status" role="status" class="overdue"></p>
                <p class="guidance">The record you sign is the table above, supplied by this page. To sign from your own machine instead, with a key \
                file only you hold, run <code>handover custody sign \(t.id)</code>.</p>
                </form>
                <script src="\(Assets.signoffScript.path)" defer></script>
                """
        }
        let status: HTML =
            switch t.state {
            case .awaitingReceipt: "<p id=\"custody-status\">Waiting for \(to) to record what arrived.</p>"
            case .awaitingSignatures:
                "<p id=\"custody-status\">Waiting for \(model.missing.map { $0 == .giver ? from : to }.joined(separator: " and ")) to sign the record.</p>"
            case .completed: "<p id=\"custody-status\">Completed \(Web.date(t.completedAt ?? t.createdAt)): custody of what arrived moved to \(to).</p>"
            }
        return Layout(title: "Custody transfer", member: me, csrf: viewer.csrf, current: "physical-assets").render(
            """
            <p><a href="/physical-assets">All assets</a></p>
            <h1>Custody transfer: \(from) to \(to)</h1>
            <p class="lead">Started \(Web.date(t.createdAt))\(t.handoverID.map { " for <a href=\"/handovers/\($0)\">a handover</a>" as HTML } ?? HTML.empty). \
            The expected items are what \(from) held when it started; \(to) records what arrived, and both sign that record.</p>
            \(Web.errors(problems))
            \(status)
            <h2 id="items-title">Expected and arrived</h2>
            <div class="table-wrap"><table class="stack" id="custody-items" aria-labelledby="items-title">
            <thead><tr><th scope="col">Item</th><th scope="col">Kind</th><th scope="col">Serial</th><th scope="col">Arrived</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            \(extras.isEmpty ? HTML.empty : "<h2>Extra items</h2><ul class=\"list\" id=\"custody-extras\">\(extras)</ul>" as HTML)
            \(receipt)
            <section id="custody-signatures" class="card" aria-labelledby="signatures-title"><h2 id="signatures-title">Signatures</h2>
            <ul class="list">\(signatures)</ul>\(signing)</section>
            """)
    }
}

/// What the receiver typed into a receipt form that was refused, to show it again.
struct CustodyReceiptDraft {
    /// Per asset, the outcome as sent ("" when none was).
    var outcomes: [String: String]
    var notes: [String: String]
    var extras: String

    /// The outcome sent for `asset`, if it is one of the three.
    func outcome(of asset: String) -> CustodyOutcome? { outcomes[asset].flatMap(CustodyOutcome.init(rawValue:)) }
}
