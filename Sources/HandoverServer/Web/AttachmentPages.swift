import Foundation
import HandoverCore
import HandoverServices

extension WebPages {
    /// The attachments section of a handover or account page: images shown, videos in a player
    /// (seeking through range requests), the rest as downloads; an uploader for those who may add.
    static func attachmentsSection(_ model: AttachmentsModel?, csrf: String) -> HTML {
        guard let model else { return .empty }
        let items: [HTML] = model.items.map { item in
            let url = "/api/v1/attachments/\(item.id)/content"
            let preview: HTML
            if item.isImage {
                preview = "<img class=\"attachment-image\" src=\"\(url)\" alt=\"\(item.name)\" loading=\"lazy\">"
            } else if item.isVideo {
                preview = "<video class=\"attachment-video\" controls preload=\"metadata\" src=\"\(url)\" aria-label=\"\(item.name)\"></video>"
            } else if item.isAudio {
                preview = "<audio controls preload=\"metadata\" src=\"\(url)\" aria-label=\"\(item.name)\"></audio>"
            } else {
                preview = .empty
            }
            let remove: HTML =
                model.deletable.contains(item.id)
                ? """
                <form class="inline delete-attachment" method="post" action="/attachments/\(item.id)/delete">\(CSRF.field(csrf))\
                <button type="submit" class="link danger">Delete<span class="visually-hidden"> \(item.name)</span></button></form>
                """ : .empty
            return """
                <li class="attachment" id="attachment-\(item.id)">\(preview)
                <p><a class="attachment-link" href="\(url)"\(HTML.attribute("download", !item.showsInline))>\(item.name)</a>
                <span class="meta">\(item.mediaType) · \(Self.byteCount(item.size)) · \(model.memberNames[item.uploaderID] ?? "?") · \(Web.date(item.createdAt))</span>
                \(remove)</p></li>
                """
        }
        let target: String
        switch model.owner {
        case .handover(let id): target = "/handovers/\(id)/attachments"
        case .account(let id): target = "/accounts/\(id)/attachments"
        }
        let command: String
        switch model.owner {
        case .handover(let id): command = "handover attach FILE --handover \(id)"
        case .account(let id): command = "handover attach FILE --account \(id)"
        }
        let upload: HTML =
            model.canAdd
            ? """
            <form id="attach-form" class="card" data-upload="\(target)" data-csrf="\(csrf)" data-max="\(String(model.maxBytes))" hidden>
            <label for="attach-file">Add a file <span class="meta">(video, image, document; at most \(Self.byteCount(model.maxBytes)))</span></label>
            <input type="file" id="attach-file" name="file" required>
            <button type="submit">Upload</button>
            <progress id="attach-progress" max="100" value="0" hidden>0%</progress>
            <p id="attach-status" role="status"></p>
            </form>
            <noscript><p class="card">Uploading from this page needs JavaScript (the file is sent as it is read, \
            never held whole). Without it, use the CLI: <code>\(command)</code></p></noscript>
            <script src="\(Assets.attachScript.path)" defer></script>
            """ : .empty
        return """
            <section id="attachments" aria-labelledby="attachments-title"><h2 id="attachments-title">Attachments</h2>
            \(items.isEmpty ? "<p class=\"empty\">No attachments yet.</p>" as HTML : "<ul class=\"attachments\">\(items)</ul>")
            \(upload)
            </section>
            """
    }

    /// "1.2 MB" (decimal units, as the server's limit is given).
    static func byteCount(_ bytes: Int64) -> String { ByteCountText.text(bytes) }
}
