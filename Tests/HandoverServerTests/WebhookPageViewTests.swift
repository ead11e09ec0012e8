import Foundation
import HandoverCore
@testable import HandoverServer
import Testing

/// The webhook pages rendered from values built by hand: URLs escaped, the secret only when given,
/// the server's reason for disabling shown, and every replay a CSRF-protected POST.
@Suite struct WebhookPageViewTests {
    static let day = Date(timeIntervalSince1970: 1_790_000_000)
    static let admin = Member(id: "ada", organizationID: "o", email: "ada@x.test", name: "Ada", role: .admin, createdAt: day)
    static let webhook = WebhookSubscription(
        id: "w1", organizationID: "o", url: "https://hooks.example.com/in?a=1&b=<x>", events: ["handover.completed"], enabled: false,
        disabledReason: "the endpoint answered 410 Gone", createdAt: day, updatedAt: day)

    @Test func theListEscapesURLsShowsWhyItIsDisabledAndTheSecretOnlyWhenGiven() {
        let viewer = Viewer(member: Self.admin, csrf: "tok")
        let plain = WebPages.webhooks([Self.webhook], viewer: viewer, flash: nil).description
        #expect(plain.contains("b=&lt;x&gt;") && !plain.contains("<x>"))
        #expect(plain.contains("the endpoint answered 410 Gone") && plain.contains(">disabled<"))
        #expect(!plain.contains("webhook-secret\"") && !plain.contains("whsec_"))
        let shown = WebPages.webhooks([Self.webhook], viewer: viewer, flash: "Webhook added.", secret: (Self.webhook, "whsec_abc")).description
        #expect(shown.contains("id=\"webhook-secret\"") && shown.contains("value=\"whsec_abc\""))
    }

    @Test func theLogOffersReplayAsAPostWithTheCSRFToken() {
        let delivery = WebhookDelivery(
            id: "msg_1", organizationID: "o", subscriptionID: "w1", type: "handover.completed", payload: "{}", state: .failed, attempts: 3, lastStatus: 500,
            createdAt: Self.day, updatedAt: Self.day)
        let html = WebPages.webhookLog(Self.webhook, deliveries: [delivery], viewer: Viewer(member: Self.admin, csrf: "tok"), flash: nil).description
        #expect(html.contains("action=\"/admin/webhooks/w1/deliveries/msg_1/replay\""))
        #expect(html.contains("<input type=\"hidden\" name=\"csrf\" value=\"tok\">"))
        #expect(html.contains(">failed<") && html.contains(">500<") && html.contains(">3<"))
        // A pending delivery is being sent already: no replay (the API would answer 409).
        var pending = delivery
        pending.state = .pending
        let queued = WebPages.webhookLog(Self.webhook, deliveries: [pending], viewer: Viewer(member: Self.admin, csrf: "tok"), flash: nil).description
        #expect(!queued.contains("/replay") && queued.contains(">queued<"))
        let empty = WebPages.webhookLog(Self.webhook, deliveries: [], viewer: Viewer(member: Self.admin, csrf: "tok"), flash: nil).description
        #expect(empty.contains("No deliveries yet"))
    }
}
