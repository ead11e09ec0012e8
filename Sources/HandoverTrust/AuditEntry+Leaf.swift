import Crypto
import Foundation
import HandoverCore

extension AuditEntry {
    /// The bytes the Merkle leaf is made of: the entry as RFC 8785 canonical JSON. Written
    /// directly, members already in sorted order, because the verifier does this for every
    /// entry; a test checks it equals the generic canonical encoding.
    public var leafData: [UInt8] {
        var out = ByteWriter()
        writeLeafData(into: &out)
        return out.array
    }

    /// Appends the canonical bytes to `out`, so a verifier can reuse one buffer for a million
    /// entries instead of allocating one per entry.
    func writeLeafData(into out: inout ByteWriter) {
        func member(_ key: StaticString, _ value: String) {
            out.append(key)
            CanonicalJSON.writeString(value, into: &out)
        }
        func number(_ key: StaticString, _ value: Int64) {
            out.append(key)
            // Decimal digits without building a String (seq and time are never negative in a
            // log, but a negative value still encodes correctly).
            if value < 0 { out.append(UInt8(ascii: "-")) }
            var magnitude = value.magnitude
            var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
            withUnsafeMutableBytes(of: &digits) { buffer in
                var index = buffer.count
                repeat {
                    index -= 1
                    buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                    magnitude /= 10
                } while magnitude > 0
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[index...]))
            }
        }
        member("{\"action\":", action)
        member(",\"actor\":", actor)
        member(",\"digest\":", digest)
        member(",\"request\":", request)
        number(",\"seq\":", Int64(seq))
        member(",\"target\":", target)
        number(",\"time\":", time)
        out.append(UInt8(ascii: "}"))
    }

    /// The same bytes through the generic encoder: the reference the fast path is tested against.
    public var canonicalJSON: [UInt8] {
        get throws {
            try CanonicalJSON.encode(
                .object([
                    "seq": .number(Double(seq)), "time": .number(Double(time)), "actor": .string(actor), "action": .string(action),
                    "target": .string(target), "request": .string(request), "digest": .string(digest),
                ]))
        }
    }

    public var leafHash: TreeHash {
        var buffer = ByteWriter()
        return leafDigest(buffer: &buffer).withUnsafeBytes { Array($0) }
    }

    /// SHA-256(0x00 || canonical bytes), built in `buffer` (emptied first, memory kept).
    func leafDigest(buffer: inout ByteWriter) -> SHA256Digest {
        buffer.removeAll()
        buffer.append(0x00)
        writeLeafData(into: &buffer)
        return buffer.withBytes { SHA256.hash(data: $0) }
    }
}
