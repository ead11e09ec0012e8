import Foundation
import HandoverCore
@testable import HandoverServer
@testable import HandoverServices
import HandoverTestSupport
import HandoverTrust
import Testing

/// The secrets parts of the account and handover pages, rendered from models built by hand. The
/// browser tests (Tests/browser/test_secrets.py) seal and open for real; these check what the
/// server renders: who is offered what, and that the scripts come only with the pages that seal.
@Suite struct SecretPageViewTests {
    static let day = PageViewTests.day
    static let tom = PageViewTests.member("Tom", .member)
    static let rita = PageViewTests.member("Rita", .member)
    static let sam = PageViewTests.member("Sam", .member)
    static let names = [tom.id: "Tom", rita.id: "Rita", sam.id: "Sam <b>"]

    static func secret(_ id: String, readers: [String]) -> Secret {
        Secret(
            id: id, organizationID: "org", accountID: "a1", name: "Key \(id)", system: "Stripe", kind: .apiKey, version: 2, lastRotatedAt: day,
            createdBy: tom.id, createdAt: day, readers: readers)
    }
    static func key(_ member: Member, origin: String = "browser") -> EncryptionKey {
        EncryptionKey(
            id: "key-\(member.id)", organizationID: "org", memberID: member.id, publicKey: Data(repeating: 7, count: 32).base64EncodedString(), origin: origin,
            enrolledAt: day)
    }

    @Test func theAccountListsSecretsAndOffersOpenOnlyToReaders() {
        let secrets = SecretsModel(
            secrets: [Self.secret("s1", readers: [Self.tom.id, Self.sam.id]), Self.secret("s2", readers: [Self.sam.id])], canAdd: false,
            keys: [Self.key(Self.tom), Self.key(Self.sam, origin: "cli")], hasRecoveryKey: true)
        let html = WebPages.secretsSection(secrets, account: PageViewTests.acme(owner: Self.tom), names: Self.names, me: Self.tom).description
        let first = String(html[html.range(of: "id=\"secret-s1\"")!.lowerBound..<html.range(of: "id=\"secret-s2\"")!.lowerBound])
        let second = String(html[html.range(of: "id=\"secret-s2\"")!.lowerBound...].prefix(900))
        #expect(first.contains("class=\"open-secret") && first.contains("Tom, Sam &lt;b&gt;") && first.contains("api-key"))
        #expect(!second.contains("open-secret") && second.contains("Not sealed to you"))
        // No add form without the right; the viewer's key and everyone's fingerprints; the scripts.
        #expect(!html.contains("id=\"add-secret\""))
        let fingerprint = SecretPageViewTests.fingerprint
        #expect(html.contains("Your encryption key: <code>\(fingerprint)</code> (made in a browser"))
        #expect(html.contains("data-key=\"key-tom\""))
        #expect(html.contains("CLI ·") && html.contains(Assets.hpkeScript.path) && html.contains(Assets.secretsScript.path))
        #expect(html.contains("need JavaScript") && html.contains("handover secret list --account a1"))
    }

    static var fingerprint: String { SecretSeal.fingerprint(Data(repeating: 7, count: 32)) }

    @Test func theAddFormSubmitsNowhereAndSaysWhenNoRecoveryKeyExists() {
        let model = SecretsModel(secrets: [], canAdd: true, keys: [], hasRecoveryKey: false)
        let html = WebPages.secretsSection(model, account: PageViewTests.acme(owner: Self.tom), names: Self.names, me: Self.tom).description
        #expect(html.contains("<form id=\"add-secret\" method=\"dialog\">"))
        #expect(html.contains("id=\"no-recovery-key\"") && html.contains("handover admin recovery-key new"))
        #expect(html.contains("No secrets sealed to this account yet.") && html.contains("You have no encryption key yet"))
    }

    @Test func theTransferorSealsWhatTheRecipientCannotOpenYet() {
        let handover = PageViewTests.handover("h1", from: Self.tom, to: Self.rita, state: .submitted)
        let parties = Parties(transferor: Self.tom, recipient: Self.rita)
        let secrets = [
            Self.secret("s1", readers: [Self.tom.id]), Self.secret("s2", readers: [Self.tom.id, Self.rita.id]), Self.secret("s3", readers: [Self.sam.id]),
        ]
        let withKey = SecretsModel(secrets: secrets, keys: [Self.key(Self.tom), Self.key(Self.rita)])
        let html = WebPages.secretsStep(withKey, handover: handover, parties: parties, me: Self.tom).description
        #expect(html.contains("<strong>1 secret</strong> of the account is not sealed to Rita yet. 1 more is not sealed to you"))
        #expect(html.contains("data-secrets=\"s1\"") && html.contains("Seal the account's secrets to Rita"))
        #expect(html.contains(Assets.secretsScript.path) && html.contains("handover secret share --handover h1"))
        // Without the recipient's key there is nothing to seal to: no button, no scripts.
        let noKey = WebPages.secretsStep(SecretsModel(secrets: secrets, keys: [Self.key(Self.tom)]), handover: handover, parties: parties, me: Self.tom)
        #expect(!noKey.description.contains("seal-to-recipient") && noKey.description.contains("handover key new --encryption"))
        #expect(!noKey.description.contains(Assets.secretsScript.path))
        // The recipient is told when they can open theirs; a closed handover shows nothing.
        let recipient = WebPages.secretsStep(withKey, handover: handover, parties: parties, me: Self.rita).description
        #expect(recipient.contains("Tom sealed 1 of the account's secrets to you. You can open them on the account's page once you acknowledge"))
        var acknowledged = handover
        acknowledged.state = .acknowledged
        #expect(WebPages.secretsStep(withKey, handover: acknowledged, parties: parties, me: Self.rita).description.contains("href=\"/accounts/acct-h1#secrets\""))
        var completed = handover
        completed.state = .completed
        #expect(WebPages.secretsStep(withKey, handover: completed, parties: parties, me: Self.tom).description.isEmpty)
    }
}
