import Foundation
import HandoverCore
import HandoverStore
import HandoverServices
import HandoverTrust

extension WebPages {
    /// The sign-offs the template asks for, who gave them, and the signing form when the viewer
    /// may sign now. The form carries the exact payload this page shows (version and content
    /// digest); the script signs those bytes with the browser's key.
    static func signoffSection(
        _ handover: Handover, parties: Parties, template: Template, view: SigningModel, me: Member, csrf: String,
        names: [String: String], now: Date
    ) throws -> HTML {
        guard handover.state != .draft && handover.state != .cancelled else { return .empty }
        let items: [HTML] = template.requiredSignoffs.map { role in
            let who: String =
                switch role {
                case .transferor: parties.transferor.name
                case .recipient: parties.recipient.name
                case .manager: "a manager of either party"
                }
            let line: HTML
            if let signoff = view.valid.first(where: { $0.role == role }) {
                line =
                    "<strong>signed</strong> by \(names[signoff.memberID] ?? signoff.memberID), \(Web.date(signoff.recordedAt)), key <code>\(String(signoff.keyID.prefix(12)))…</code>"
            } else if view.all.contains(where: { $0.role == role }) {
                line = "<span class=\"overdue\">to sign again</span>: the earlier signature is void (the content changed, or its key was revoked)"
            } else {
                line = "<span class=\"muted\">not yet signed</span>"
            }
            return "<li id=\"signoff-\(role.rawValue)\">\(role.rawValue.capitalized) (\(who)): \(line)</li>"
        }
        var form: HTML = .empty
        let role = SignoffRules.role(of: me, in: handover)
        if (try? SignoffRules.check(role: role, by: me, handover: handover, parties: parties, template: template)) != nil,
            !view.valid.contains(where: { $0.role == role })
        {
            let payload = try SignoffPayload(signing: handover, signer: me.id, role: role, at: now)
            let keys = view.myKeys.map(\.id).joined(separator: " ")
            form = """
                <form id="signoff" method="post" action="/handovers/\(handover.id)/signoff" data-member="\(me.id)" data-organization="\(me.organizationID)"
                  data-keys="\(keys)" data-handover="\(handover.id)">\(CSRF.field(csrf))
                <input type="hidden" name="payload" value="\(Data(try payload.canonicalBytes()).base64EncodedString())">
                <input type="hidden" name="envelope" value=""><input type="hidden" name="enrolment" value="">
                <p>You sign, as \(role.rawValue): <q id="signoff-statement">\(payload.statement)</q></p>
                <p class="meta">Over version \(handover.version) of this handover, content SHA-256 <code id="signoff-digest">\(payload.contentDigest)</code>.</p>
                <button type="submit" id="sign-button">Sign with this browser's key</button>
                <p id="signoff-status" role="status" class="overdue"></p>
                <p class="guidance">On first use this browser makes a signing key that cannot be copied out of it, and enrols its public half;
                signing again later from this browser uses the same key. What you sign is the statement above and the content's
                fingerprint, both supplied by this page: you are trusting this server to show you the handover it will record.
                To sign from your own machine instead, with a key file only you hold, run <code>handover sign \(handover.id)</code>.</p>
                </form>
                <script src="\(Assets.signoffScript.path)" defer></script>
                """
        }
        let summary: HTML =
            view.missing.isEmpty
            ? "<p>Every sign-off the \(template.name) template asks for is in.</p>"
            : "<p>Completion needs signed sign-offs from the \(view.missing.map(\.rawValue).joined(separator: " and ")).</p>"
        return """
            <section id="signoffs" class="card" aria-labelledby="signoffs-title"><h2 id="signoffs-title">Sign-offs</h2>
            \(summary)<ul class="list">\(items)</ul>\(form)</section>
            """
    }

    // MARK: Certificate of completion

    func certificate(_ viewer: Viewer, id: String) async throws -> HTML {
        let (certificate, check, names) = try await services.pages.certificate(id: id, for: viewer.member)
        return Self.certificate(certificate, check: check, viewer: viewer, memberNames: names)
    }

    /// A certificate's timestamp (ISO 8601 text) as people read it, the ISO kept in `datetime`.
    static func moment(_ text: String?) -> HTML {
        guard let text, let date = Timestamp.parse(text) else { return text.map { "\($0)" } ?? "—" }
        return "<time datetime=\"\(text)\">\(Web.date(date))</time>"
    }

    static func certificate(_ certificate: CompletionCertificate, check: CertificateVerification, viewer: Viewer, memberNames: [String: String] = [:]) -> HTML {
        let me = viewer.member
        let h = certificate.handover
        let names = memberNames.merging(certificate.parties.map { ($0.member, $0.name) }, uniquingKeysWith: { _, party in party })
        let parties: [HTML] = certificate.parties.map { party in
            let signed = certificate.signoffs.first { $0.signer == party.member && $0.role == party.role }
            let key = signed.flatMap { s in certificate.keys.first { $0.id == s.keyID } }
            let how: HTML =
                signed.map { s in
                    "Signed with Ed25519 key <code>\(s.keyID)</code> (kept \(key?.origin == "browser" ? "in their browser" : "in a key file on their machine"), enrolled \(Self.moment(key?.enrolledAt))\(key?.revokedAt.map { ", revoked \(Self.moment($0))" } ?? HTML.empty)); signed in by \(s.authentication)."
                } ?? "No signature."
            return "<li><strong>\(party.role.rawValue.capitalized): \(party.name)</strong> <span class=\"meta\">\(party.email)</span><br>\(how)</li>"
        }
        let timeline: [HTML] = certificate.timeline.map { m in
            "<li><strong>\(m.event.capitalized)</strong> by \(names[m.actor] ?? "a former member"), \(Self.moment(m.at)) <span class=\"meta\">(audit entry \(m.entry))</span></li>"
        }
        let verdict: HTML =
            check.ok
            ? "<p class=\"lead\" id=\"certificate-check\">Checked by this server: \(check.signoffsVerified) signatures valid over the completed content; \(check.entriesProved) audit entries proved against the log signed at \(check.checkpointSize) entries.</p>"
            : "<p class=\"lead overdue\" id=\"certificate-check\">This certificate does not verify: \(check.failure ?? "")</p>"
        return Layout(title: "Certificate: \(h.accountName)", member: me, csrf: viewer.csrf).render(
            """
            <article class="report" id="certificate">
            <p class="no-print"><a href="/handovers/\(h.id)">Back to the handover</a> · <a id="certificate-json" href="/api/v1/handovers/\(h.id)/certificate" download="certificate-\(h.id).json">Download the certificate (JSON)</a></p>
            <h1>Certificate of completion</h1>
            <p class="lead">\(h.accountName): \(h.templateName) handover <code>\(h.id)</code>, \(h.state.rawValue).</p>
            \(verdict)
            <h2>Parties</h2>
            <ul class="list" id="certificate-parties">\(parties)</ul>
            <h2>Timeline</h2><ol class="timeline" id="certificate-timeline">\(timeline)</ol>
            <h2>Evidence</h2>
            <dl class="facts"><dt>Content SHA-256</dt><dd><code id="certificate-digest">\(h.contentDigest)</code> (RFC 8785 canonical JSON of the handed-over content)</dd>
            <dt>Sign-offs required</dt><dd>\(h.requiredSignoffs.map(\.rawValue).joined(separator: ", "))</dd>
            <dt>Audit log key</dt><dd><code>\(certificate.audit.verifierKey)</code></dd>
            <dt>Signed checkpoint</dt><dd><pre class="wrap">\(certificate.audit.checkpoint)</pre></dd></dl>
            <p>Anyone can check this certificate without this server: download it, then run
            <code>handover audit verify certificate-\(h.id).json --key \(certificate.audit.verifierKey)</code>.</p>
            </article>
            """)
    }
}
