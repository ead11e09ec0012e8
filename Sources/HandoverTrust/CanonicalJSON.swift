import Foundation
import HandoverCore

/// RFC 8785 JSON Canonicalization Scheme: one byte sequence per JSON value, so a hash or a
/// signature over it means the same thing to every verifier. Object members are sorted by
/// their UTF-16 code units, strings escape only what JSON requires, numbers print as
/// ECMAScript's `Number.prototype.toString` does.
public enum CanonicalJSON {
    public static func encode(_ value: JSONValue) throws -> [UInt8] {
        var out = ByteWriter()
        try write(value, into: &out)
        return out.array
    }

    public static func string(_ value: JSONValue) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    static func write(_ value: JSONValue, into out: inout ByteWriter) throws {
        switch value {
        case .null: out.append("null")
        case .bool(let flag): out.append(flag ? "true" : "false")
        case .number(let number):
            var text = try format(number)
            text.withUTF8 { out.append(contentsOf: UnsafeRawBufferPointer($0)) }
        case .string(let text): writeString(text, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let sorted = members.sorted { $0.key.utf16.lexicographicallyPrecedes($1.key.utf16) }
            for (index, member) in sorted.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                try write(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ text: String, into out: inout ByteWriter) {
        // A native string lends its UTF-8 in place; any other is made native first.
        if text.utf8.withContiguousStorageIfAvailable({ writeString(utf8: UnsafeRawBufferPointer($0), into: &out) }) == nil {
            var native = text
            native.withUTF8 { writeString(utf8: UnsafeRawBufferPointer($0), into: &out) }
        }
    }

    /// Writes UTF-8 `bytes` as a JSON string.
    private static func writeString(utf8 bytes: UnsafeRawBufferPointer, into out: inout ByteWriter) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escaping: copy them whole.
        if !containsEscape(bytes) {
            out.append(contentsOf: bytes)
        } else {
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""): out.append("\\\"")
                case UInt8(ascii: "\\"): out.append("\\\\")
                case 0x08: out.append("\\b")
                case 0x09: out.append("\\t")
                case 0x0A: out.append("\\n")
                case 0x0C: out.append("\\f")
                case 0x0D: out.append("\\r")
                case 0x00..<0x20:
                    out.append("\\u00")
                    out.append(Hex.digit(byte >> 4))
                    out.append(Hex.digit(byte & 0x0F))
                default: out.append(byte)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Whether any byte needs escaping (below 0x20, a quote or a backslash), eight bytes at a time: the verifier scans every
    /// string of every entry. The word tests are the exact "has a byte below n" and "has a
    /// zero byte" tests (true iff some byte qualifies; bytes >= 0x80 never do).
    static func containsEscape(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ word: UInt64) -> Bool { (word &- ones) & ~word & highs != 0 }
        func wordNeedsEscape(_ word: UInt64) -> Bool {
            (word &- ones &* 0x20) & ~word & highs != 0 || hasZero(word ^ (ones &* 0x22)) || hasZero(word ^ (ones &* 0x5C))
        }
        var offset = 0
        while offset + 8 <= bytes.count {
            if wordNeedsEscape(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) { return true }
            offset += 8
        }
        guard offset < bytes.count else { return false }
        // The last 1–7 bytes, shifted into a word of bytes that never need escaping ("A").
        var tail = ones &* 0x41
        for index in offset..<bytes.count { tail = tail << 8 | UInt64(bytes[index]) }
        return wordNeedsEscape(tail)
    }

    /// ECMAScript number to string (ECMA-262 Number::toString) from Swift's shortest
    /// round-trip digits, which are the same digits ECMAScript chooses.
    static func format(_ number: Double) throws -> String {
        guard number.isFinite else { throw TrustError.invalid("JSON has no representation for \(number)") }
        if number == 0 { return "0" }
        if number < 0 { return "-" + (try format(-number)) }
        // Swift prints either "123.45" or "1.2345e+20" / "1e-07": pull out digits and exponent.
        let text = "\(number)"
        let parts = text.lowercased().split(separator: "e")
        var mantissa = String(parts[0])
        var exponent = parts.count > 1 ? Int(parts[1])! : 0
        if let dot = mantissa.firstIndex(of: ".") {
            exponent += mantissa.distance(from: mantissa.startIndex, to: dot)
            mantissa.remove(at: dot)
        } else {
            exponent += mantissa.count
        }
        // Strip leading zeros (0.001 → "0001", exponent 1) and trailing zeros.
        while mantissa.hasPrefix("0") { mantissa.removeFirst(); exponent -= 1 }
        while mantissa.hasSuffix("0") { mantissa.removeLast() }
        let digits = mantissa, k = digits.count, n = exponent
        if k <= n && n <= 21 { return digits + String(repeating: "0", count: n - k) }
        if 0 < n && n <= 21 { return String(digits.prefix(n)) + "." + String(digits.dropFirst(n)) }
        if -6 < n && n <= 0 { return "0." + String(repeating: "0", count: -n) + digits }
        let e = n - 1
        let sign = e < 0 ? "-" : "+"
        let head = k == 1 ? digits : String(digits.prefix(1)) + "." + String(digits.dropFirst())
        return head + "e" + sign + String(abs(e))
    }
}

extension CanonicalJSON {
    /// Hex SHA-256 of the canonical JSON of any Codable value: the content digest audit
    /// entries and sign-offs carry, the same whatever key order or spacing produced it.
    public static func digest(_ value: some Encodable) throws -> String {
        Hex.sha256(try encode(value))
    }

    /// The canonical JSON bytes of any Codable value.
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        try encode(try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value)))
    }
}
