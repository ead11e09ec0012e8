import Foundation
import HandoverCore
@testable import HandoverServer
@testable import HandoverServices
import Testing

/// The attachments section from hand-built models: images and video shown, markup only linked
/// for download, names escaped, the uploader only for those who may add, delete only where allowed.
@Suite struct AttachmentPageViewTests {
    static func item(_ id: String, _ name: String, _ type: String) -> HandoverCore.Attachment {
        HandoverCore.Attachment(
            id: id, organizationID: "o", owner: .handover("h1"), name: name, mediaType: type, size: 1_234_567, sha256: String(repeating: "a", count: 64),
            uploaderID: "m1", createdAt: Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test func showsWhatABrowserMayShowAndOnlyLinksTheRest() {
        let model = AttachmentsModel(
            owner: .handover("h1"),
            items: [
                Self.item("a1", "diagram.png", "image/png"), Self.item("a2", "walkthrough.mp4", "video/mp4"),
                Self.item("a3", "<b>logo</b>.svg", "image/svg+xml"),
            ], canAdd: true, deletable: ["a1"], memberNames: ["m1": "Tom"], maxBytes: 500_000_000)
        let html = WebPages.attachmentsSection(model, csrf: "t0ken").description
        #expect(html.contains("<img class=\"attachment-image\" src=\"/api/v1/attachments/a1/content\" alt=\"diagram.png\""))
        #expect(html.contains("<video class=\"attachment-video\" controls preload=\"metadata\" src=\"/api/v1/attachments/a2/content\""))
        #expect(!html.contains("src=\"/api/v1/attachments/a3/content\""), "SVG is never embedded")
        #expect(html.contains("href=\"/api/v1/attachments/a3/content\" download>&lt;b&gt;logo&lt;/b&gt;.svg</a>"))
        #expect(html.contains("1.2 MB") && html.contains("Tom"))
        #expect(html.contains("action=\"/attachments/a1/delete\"") && !html.contains("/attachments/a2/delete"))
        #expect(html.contains("data-upload=\"/handovers/h1/attachments\"") && html.contains("data-csrf=\"t0ken\"") && html.contains("at most 500 MB"))
        #expect(html.contains("handover attach FILE --handover h1"))

        let reader = AttachmentsModel(owner: .account("ac1"), items: [], canAdd: false)
        let quiet = WebPages.attachmentsSection(reader, csrf: "t").description
        #expect(quiet.contains("No attachments yet.") && !quiet.contains("attach-form") && !quiet.contains("attach.js"))
    }
}
