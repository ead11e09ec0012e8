import Crypto
import Foundation
import HandoverTrust

/// Identifiers and secrets made at the edge and passed into the pure core.
public enum Secrets {
    /// A new id: 12 hex digits of milliseconds then 20 random hex digits, so ids sort by creation time.
    public static func newID(at now: Date = Date()) -> String {
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        // 80 random bits from two draws (each draw is a system call; this runs for every
        // request, as its request id).
        var random = SystemRandomNumberGenerator()
        let high = random.next() as UInt64, low = random.next() as UInt64
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8](repeating: 0, count: 32)
        for index in 0..<12 { text[index] = digits[Int(millis >> (4 * (11 - index)) & 0xF)] }
        for index in 0..<16 { text[12 + index] = digits[Int(high >> (4 * index) & 0xF)] }
        for index in 0..<4 { text[28 + index] = digits[Int(low >> (4 * index) & 0xF)] }
        return String(decoding: text, as: UTF8.self)
    }

    /// A high-entropy bearer token (256 bits), shown once to its owner.
    public static func newToken(prefix: String = "hov_") -> String {
        prefix + randomBase64URL(bytes: 32)
    }

    /// A session cookie value (256 bits).
    public static func newSessionValue() -> String {
        randomBase64URL(bytes: 32)
    }

    /// A password for generated logins (demo members, `admin create-org` without a password).
    public static func newPassword() -> String {
        randomBase64URL(bytes: 15)
    }

    /// SHA-256, hex: how tokens and sessions are stored. A fast digest is enough because the
    /// input has 256 bits of entropy; bcrypt would cost ~0.2 s on every request.
    public static func digest(_ token: String) -> String {
        Hex.sha256(Array(token.utf8))
    }

    static func randomBase64URL(bytes count: Int) -> String {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in random.next() as UInt8 }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
