import Crypto
import Foundation

/// A customer's survey link: its token is an HMAC of the survey's id under a key derived from the
/// server secret, so it never needs to be stored. The database keeps only its SHA-256 digest (to
/// find the survey), and the outbox keeps a placeholder that the mail job fills in as it sends.
extension LogKeys {
    /// 43 characters of base64url: unguessable, and the same for the same survey every time.
    public func surveyToken(surveyID: String) -> String {
        let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: secret, salt: Array("handover survey link v1".utf8), outputByteCount: 32)
        let mac = HMAC<SHA256>.authenticationCode(for: Array(surveyID.utf8), using: key)
        return Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

public enum SurveyToken {
    /// What the outbox stores in place of the link; the mail job puts the real one in.
    public static let placeholder = "[[survey-link]]"

    /// The stored form of a token: hex SHA-256.
    public static func digest(_ token: String) -> String { Hex.sha256(Array(token.utf8)) }

    /// Whether `text` could be a token at all (43 base64url characters), so that nothing else is
    /// looked up.
    public static func isWellFormed(_ text: String) -> Bool {
        text.utf8.count == 43 && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 }
    }
}
