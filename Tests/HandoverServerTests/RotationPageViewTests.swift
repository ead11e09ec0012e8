import Foundation
import HandoverCore
@testable import HandoverServer
@testable import HandoverServices
import Testing

/// The rotation report and the home page's overdue rotations, rendered from models built by hand.
@Suite struct RotationPageViewTests {
    static let day = PageViewTests.day
    static func exposure(
        _ secret: String, account: String, to member: String, exposed: TimeInterval, due: TimeInterval, rotatedBy: String? = nil
    ) -> SecretExposure {
        SecretExposure(
            secretID: "s-\(secret)", organizationID: "org", version: 1, memberID: member, cause: .handover, handoverID: "h-\(account)",
            exposedAt: day.addingTimeInterval(exposed * 86_400), dueAt: day.addingTimeInterval(due * 86_400),
            rotatedAt: rotatedBy.map { _ in day.addingTimeInterval(3 * 86_400) }, rotatedBy: rotatedBy, rotatedVersion: rotatedBy.map { _ in 2 },
            secretName: secret, system: "Stripe", kind: .apiKey, accountID: "a-\(account)", accountName: account, ownerID: "rita")
    }

    @Test func theReportGroupsByMemberAndAccountWithNamesDatesAndOverdueFlags() {
        let rita = PageViewTests.member("Rita", .member)
        let items = [
            Self.exposure("Stripe <key>", account: "Acme", to: "tom", exposed: 0, due: 7),
            Self.exposure("NAS admin", account: "Beta", to: "tom", exposed: 1, due: 15),
            Self.exposure("Old token", account: "Acme", to: "ann", exposed: 2, due: 16, rotatedBy: "rita"),
        ]
        let model = RotationModel(
            state: nil, report: SecretService.ExposureReport(asOf: Self.day.addingTimeInterval(10 * 86_400), items: items),
            memberNames: ["tom": "Tom", "ann": "Ann", "rita": "Rita"])
        let html = WebPages.rotation(model, viewer: Viewer(member: rita, csrf: "token")).description
        #expect(html.contains("id=\"rotation-by-member\"") && html.contains("id=\"rotation-by-account\""))
        #expect(html.contains("<strong>Tom</strong> <span class=\"meta\">2 secrets · <span class=\"overdue\">1 overdue</span>"))
        #expect(html.contains("Stripe &lt;key&gt;") && !html.contains("Stripe <key>"))
        #expect(html.contains("<span class=\"overdue\">overdue: due \(HumanDate.day(Self.day.addingTimeInterval(7 * 86_400)))</span>"))
        #expect(html.contains("due \(HumanDate.day(Self.day.addingTimeInterval(15 * 86_400)))"))
        #expect(html.contains("rotated \(HumanDate.day(Self.day.addingTimeInterval(3 * 86_400))) by Rita (version 2)"))
        #expect(html.contains("owner Rita") && html.contains("href=\"/accounts/a-Acme\""))
        // Acme (the oldest exposure) comes before Beta, and names are shown, never member ids.
        let acme = html.range(of: ">Acme</a>")!.lowerBound, beta = html.range(of: ">Beta</a>")!.lowerBound
        #expect(acme < beta)
        #expect(!html.contains(">tom<") && !html.contains(">rita<"))
        #expect(html.contains("aria-current=\"page\"") && html.contains("id=\"nav-rotation\""))

        let empty = RotationModel(state: .open, report: SecretService.ExposureReport(asOf: Self.day, items: []), memberNames: [:])
        let none = WebPages.rotation(empty, viewer: Viewer(member: rita, csrf: "token")).description
        #expect(none.contains("id=\"rotation-empty\"") && none.contains("Nothing to rotate") && !none.contains("id=\"rotation-by-member\""))
    }

    @Test func homeShowsOverdueRotationsOnlyWhenThereAreAny() {
        let rita = PageViewTests.member("Rita", .member)
        let viewer = Viewer(member: rita, csrf: "token")
        #expect(!WebPages.home(HomeModel(today: CalendarDate(Self.day)), viewer: viewer, flash: nil).description.contains("id=\"rotations\""))
        let late = (0..<12).map { Self.exposure("Key \($0)", account: "Acme", to: "tom", exposed: 0, due: 7) }
        let html = WebPages.home(HomeModel(today: CalendarDate(Self.day), overdueRotations: late, memberNames: ["tom": "Tom"]), viewer: viewer, flash: nil)
            .description
        #expect(html.contains("id=\"rotations\"") && html.contains("Secrets overdue for rotation"))
        #expect(html.contains("href=\"/secrets/rotation?account=a-Acme\">Acme</a>: Key 0"))
        #expect(html.contains("Tom could open it") && html.contains("and 2 more") && !html.contains("Key 10"))
        #expect(html.contains("href=\"/secrets/rotation\""))
    }
}
