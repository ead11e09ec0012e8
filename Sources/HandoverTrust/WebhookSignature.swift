import Crypto
import Foundation

/// Standard Webhooks signing (https://www.standardwebhooks.com/): the `webhook-signature`
/// header is a space-separated list of `v1,<base64 HMAC-SHA256>` over `{id}.{timestamp}.{body}`,
/// keyed by the secret's decoded bytes; one entry per secret in force (two during a rotation's
/// grace period).
public enum WebhookSignature {
    public static func sign(id: String, timestamp: Int64, body: [UInt8], secret: WebhookSecret) -> String {
        var message = Array("\(id).\(timestamp).".utf8)
        message += body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret.bytes))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The header's value for every secret in force, newest first.
    public static func header(id: String, timestamp: Int64, body: [UInt8], secrets: [WebhookSecret]) -> String {
        secrets.map { sign(id: id, timestamp: timestamp, body: body, secret: $0) }.joined(separator: " ")
    }
}

/// A webhook signing secret: `whsec_` and the base64 of 24 random bytes (the spec allows 24 to
/// 64). Its text is shown to the admin once; the database holds it sealed (`seal`).
public struct WebhookSecret: Sendable, Equatable {
    public static let prefix = "whsec_"
    public let bytes: [UInt8]

    public init?(_ text: String) {
        guard text.hasPrefix(Self.prefix), let data = Data(base64Encoded: String(text.dropFirst(Self.prefix.count))), (24...64).contains(data.count)
        else { return nil }
        bytes = Array(data)
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    public static func random() -> WebhookSecret {
        var generator = SystemRandomNumberGenerator()
        return WebhookSecret(bytes: (0..<24).map { _ in generator.next() as UInt8 })
    }

    public var text: String { Self.prefix + Data(bytes).base64EncodedString() }

    /// AES-256-GCM under a key derived from the server secret for this subscription
    /// (`LogKeys.webhookKey`): the database alone does not give the secret away, and a sealed
    /// value copied to another subscription's row does not open there.
    public func seal(with keys: LogKeys, subscriptionID: String) throws -> String {
        let box = try AES.GCM.seal(bytes, using: keys.webhookKey(subscriptionID: subscriptionID))
        guard let combined = box.combined else { throw TrustError.invalid("could not seal a webhook secret") }
        return "v1:" + combined.base64EncodedString()
    }

    public static func open(_ sealed: String, with keys: LogKeys, subscriptionID: String) throws -> WebhookSecret {
        guard sealed.hasPrefix("v1:"), let data = Data(base64Encoded: String(sealed.dropFirst(3))) else {
            throw TrustError.invalid("a stored webhook secret is not in a known form")
        }
        do {
            let bytes = try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: keys.webhookKey(subscriptionID: subscriptionID))
            return WebhookSecret(bytes: Array(bytes))
        } catch {
            throw TrustError.invalid("a stored webhook secret does not open with this server's secret (was HANDOVER_SECRET_KEY changed?)")
        }
    }
}

extension LogKeys {
    /// HKDF-SHA-256(server secret, salt "handover webhook secret v1", info: subscription id).
    func webhookKey(subscriptionID: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: secret, salt: Array("handover webhook secret v1".utf8), info: Array(subscriptionID.utf8), outputByteCount: 32)
    }
}
