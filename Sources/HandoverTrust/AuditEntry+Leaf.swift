import Crypto
import Foundation
import HandoverCore

extension AuditEntry {
    /// The bytes the Merkle leaf is made of: the entry as RFC 8785 canonical JSON.
    public var leafData: [UInt8] {
        // Strings and integers only: canonical encoding cannot fail.
        try! CanonicalJSON.encode(.object([
            "seq": .number(Double(seq)), "time": .number(Double(time)), "actor": .string(actor), "action": .string(action),
            "target": .string(target), "request": .string(request), "digest": .string(digest),
        ]))
    }

    public var leafHash: TreeHash { MerkleTree.leafHash(leafData) }
}

public enum Hex {
    static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = value(chars[index]), let low = value(chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    /// Hex SHA-256 of `data`: the content digests audit entries carry.
    public static func sha256(_ data: some DataProtocol) -> String {
        encode(SHA256.hash(data: data))
    }
}
