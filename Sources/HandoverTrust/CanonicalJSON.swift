import Foundation
import HandoverCore

/// RFC 8785 JSON Canonicalization Scheme: one byte sequence per JSON value, so a hash or a
/// signature over it means the same thing to every verifier. Object members are sorted by
/// their UTF-16 code units, strings escape only what JSON requires, numbers print as
/// ECMAScript's `Number.prototype.toString` does.
public enum CanonicalJSON {
    public static func encode(_ value: JSONValue) throws -> [UInt8] {
        var out: [UInt8] = []
        try write(value, into: &out)
        return out
    }

    public static func string(_ value: JSONValue) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    static func write(_ value: JSONValue, into out: inout [UInt8]) throws {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let flag): out += Array((flag ? "true" : "false").utf8)
        case .number(let number): out += Array(try format(number).utf8)
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

    static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escaping: copy them whole, straight from the string's own
        // UTF-8 storage (native strings have it; any other goes byte by byte below).
        let copiedWhole = text.utf8.withContiguousStorageIfAvailable { bytes in
            guard !containsEscape(UnsafeRawBufferPointer(bytes)) else { return false }
            out.append(contentsOf: bytes)
            return true
        } ?? false
        if copiedWhole {
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x08: out += Array("\\b".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0x0A: out += Array("\\n".utf8)
            case 0x0C: out += Array("\\f".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// Whether any byte needs escaping, eight bytes at a time: the verifier scans every
    /// string of every entry. The word tests are the exact "has a byte below n" and "has a
    /// zero byte" tests (true iff some byte qualifies; bytes >= 0x80 never do).
    static func containsEscape(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ word: UInt64) -> Bool { (word &- ones) & ~word & highs != 0 }
        var offset = 0
        while offset + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            let control = (word &- ones &* 0x20) & ~word & highs != 0
            if control || hasZero(word ^ (ones &* 0x22)) || hasZero(word ^ (ones &* 0x5C)) { return true }
            offset += 8
        }
        return bytes[offset...].contains(where: needsEscape)
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
