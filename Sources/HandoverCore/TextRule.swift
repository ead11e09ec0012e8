import Foundation

/// The one rule for text anyone sends us, over the API or a web form: control characters are
/// refused, except tab, line feed and carriage return. Storage would otherwise change them
/// (SQLite's C strings end at U+0000, so "nul\u{0}tail" came back as "nul"), and text that
/// cannot be stored whole must not be accepted at all.
public enum TextRule {
    public static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: true
        case 0x00...0x1F, 0x7F...0x9F: false  // C0 controls, DEL, C1 controls (Unicode's Cc)
        default: true
        }
    }

    /// The first character the rule refuses, if any.
    public static func firstForbidden(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first { !isAllowed($0) }
    }

    /// What to tell the sender, after the field's name.
    public static func complaint(_ scalar: Unicode.Scalar) -> String {
        "contains the control character U+\(String(format: "%04X", scalar.value)); only tab, line feed and carriage return are allowed"
    }

    /// The path (`content.contacts[0].name`) of the first string in a JSON document, key or
    /// value, that the rule refuses, and the character. Nil when there is none, or when the
    /// document is not JSON (the decoder then says what is wrong with it).
    public static func firstForbidden(inJSON data: Data) -> (path: String, scalar: Unicode.Scalar)? {
        // Nearly every body has no such character: a byte scan settles it without parsing twice.
        guard mayContainControl(data) else { return nil }
        guard let document = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return nil }
        return find(in: document, path: "")
    }

    /// False when the bytes certainly spell no refused character: no `\u00XX` escape of one,
    /// no raw control byte, no DEL, no UTF-8 C1 control.
    public static func mayContainControl(_ data: Data) -> Bool {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Bool in
            let count = bytes.count
            var index = 0
            while index < count {
                let byte = bytes[index]
                switch byte {
                case 0x09, 0x0A, 0x0D: break
                case 0x00...0x1F, 0x7F: return true
                case 0xC2 where index + 1 < count && (0x80...0x9F).contains(bytes[index + 1]): return true
                // `\u` followed by "00": possibly an escaped control; the parse decides.
                case UInt8(ascii: "\\")
                where index + 3 < count && bytes[index + 1] == UInt8(ascii: "u")
                    && bytes[index + 2] == UInt8(ascii: "0") && bytes[index + 3] == UInt8(ascii: "0"):
                    return true
                default: break
                }
                index += 1
            }
            return false
        }
    }

    private static func find(in value: Any, path: String) -> (path: String, scalar: Unicode.Scalar)? {
        switch value {
        case let text as String:
            return firstForbidden(in: text).map { (path.isEmpty ? "body" : path, $0) }
        case let object as [String: Any]:
            for key in object.keys.sorted() {
                let child = JSONPath.member(path, key)
                if let scalar = firstForbidden(in: key) { return (child, scalar) }
                if let found = find(in: object[key]!, path: child) { return found }
            }
            return nil
        case let array as [Any]:
            for (index, element) in array.enumerated() {
                if let found = find(in: element, path: JSONPath.element(path, index)) { return found }
            }
            return nil
        default:
            return nil
        }
    }
}
