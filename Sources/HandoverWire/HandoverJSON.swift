import Foundation
import HandoverCore

/// A handover as the API sends it, written by hand: the same bytes `WireJSON.encoder` writes
/// (sorted keys, slashes unescaped, absent optionals left out, times as `Timestamp`), with the
/// content spliced in as stored. A read of a handover is the API's hottest path, and the
/// general encoder was most of its cost; a test checks the two agree byte for byte.
public enum HandoverJSON {
    /// `content` must be the stored JSON object text of the handover's content.
    /// Throws only if the pre-fill's sources cannot be encoded, which no stored value does today.
    public static func encode(_ handover: Handover, content: String) throws -> Data {
        var out = [UInt8]()
        out.reserveCapacity(content.utf8.count + 640)
        var first = true
        func key(_ name: StaticString) {
            out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            first = false
            out.append(UInt8(ascii: "\""))
            name.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(contentsOf: #"":"#.utf8)
        }
        func string(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            key(name)
            appendString(value, to: &out)
        }
        func number(_ name: StaticString, _ value: Int) {
            key(name)
            out.append(contentsOf: String(value).utf8)
        }
        func time(_ name: StaticString, _ value: Date?) {
            string(name, value.map(Timestamp.format))
        }
        // In the order of their keys, as `.sortedKeys` has it.
        string("accountID", handover.accountID)
        time("acknowledgedAt", handover.acknowledgedAt)
        time("completedAt", handover.completedAt)
        key("content")
        out.append(contentsOf: content.utf8)
        time("createdAt", handover.createdAt)
        string("id", handover.id)
        string("organizationID", handover.organizationID)
        // Small and rare: encoded as any other body is.
        if let prefill = handover.prefill {
            let json = try WireJSON.encoder.encode(prefill)
            key("prefill")
            out.append(contentsOf: json)
        }
        string("recipientID", handover.recipientID)
        string("returnReason", handover.returnReason)
        string("state", handover.state.rawValue)
        time("submittedAt", handover.submittedAt)
        string("synthesis", handover.synthesis)
        string("templateKey", handover.templateKey)
        number("templateVersion", handover.templateVersion)
        string("transferorID", handover.transferorID)
        time("updatedAt", handover.updatedAt)
        number("version", handover.version)
        out.append(UInt8(ascii: "}"))
        return Data(out)
    }

    /// A JSON string as Foundation's encoder spells it: quotes, backslashes and control
    /// characters escaped, everything else (slashes, non-ASCII) as is.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
