import Crypto
import Foundation

/// Lowercase hex, as hashes are stored and shown.
public enum Hex {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digit(byte >> 4))
            out.append(digit(byte & 0x0F))
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var text = text  // withUTF8 needs a var; a native string is not copied
        return text.withUTF8 { chars in
            guard chars.count % 2 == 0 else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(chars.count / 2)
            var index = 0
            while index < chars.count {
                guard let high = nibble(chars[index]), let low = nibble(chars[index + 1]) else { return nil }
                out.append(high << 4 | low)
                index += 2
            }
            return out
        }
    }

    /// Whether `hex` (either case) spells `bytes`, without building a string.
    public static func matches(_ digest: some ContiguousBytes, _ hex: String) -> Bool {
        digest.withUnsafeBytes { matches($0, hex) }
    }

    static func matches(_ bytes: UnsafeRawBufferPointer, _ hex: String) -> Bool {
        // A native string lends its UTF-8 in place; any other is made native first.
        if let result = hex.utf8.withContiguousStorageIfAvailable({ matches(bytes, $0) }) { return result }
        var native = hex
        return native.withUTF8 { matches(bytes, $0) }
    }

    private static func matches(_ bytes: UnsafeRawBufferPointer, _ chars: UnsafeBufferPointer<UInt8>) -> Bool {
        guard chars.count == 2 * bytes.count else { return false }
        // Lowercase, as stored: spell the bytes out and compare all 64 digits at once, with no
        // branch per digit (the verifier does this for every entry). Any other spelling goes
        // the careful way below.
        if bytes.count == 32, spellsLowercase(bytes, UnsafeRawBufferPointer(chars)) { return true }
        for index in 0..<bytes.count {
            guard let high = nibble(chars[2 * index]), let low = nibble(chars[2 * index + 1]), high << 4 | low == bytes[index] else { return false }
        }
        return true
    }

    private static func spellsLowercase(_ bytes: UnsafeRawBufferPointer, _ chars: UnsafeRawBufferPointer) -> Bool {
        var spelled: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &spelled) { digits in
            for index in 0..<32 {
                digits[2 * index] = digit(bytes[index] >> 4)
                digits[2 * index + 1] = digit(bytes[index] & 0x0F)
            }
            var difference: UInt64 = 0
            for word in 0..<8 {
                difference |= digits.loadUnaligned(fromByteOffset: 8 * word, as: UInt64.self) ^ chars.loadUnaligned(fromByteOffset: 8 * word, as: UInt64.self)
            }
            return difference == 0
        }
    }

    /// The lowercase hex digit of a nibble (a conditional move, not a table or a branch).
    @inline(__always)
    static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
    }

    @inline(__always)
    static func nibble(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): char - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Hex SHA-256 of `data`: the content digests audit entries carry.
    public static func sha256(_ data: some DataProtocol) -> String {
        encode(SHA256.hash(data: data))
    }
}
