import Foundation

/// The encodings an email needs to carry any text in 7-bit lines: RFC 2045 quoted-printable
/// and base64 bodies, RFC 2047 encoded words in headers, RFC 5322 folding. Pure functions.
public enum MIMEEncoding {
    /// Lines of at most 76 characters plus CRLF, whatever the text: quoted-printable of its
    /// UTF-8, line breaks (any of CRLF, LF, CR) becoming CRLF. Trailing spaces and tabs are
    /// encoded, so no mail system can strip them.
    public static func quotedPrintable(_ text: String) -> String {
        // In bytes, not Characters or Foundation's search and replace: this runs for every
        // message a mail.send job renders, and String.count per byte made it the largest cost of
        // sending one. CRLF, a lone CR and a lone LF each end a line.
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8)
        var width = 0, position = 0
        while position < bytes.count {
            let byte = bytes[position]
            if byte == cr || byte == lf {
                out += [cr, lf]
                width = 0
                position += byte == cr && position + 1 < bytes.count && bytes[position + 1] == lf ? 2 : 1
                continue
            }
            let isLast = position + 1 == bytes.count || bytes[position + 1] == cr || bytes[position + 1] == lf
            let literal: Bool
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"): literal = !isLast
            case 33...60, 62...126: literal = true
            default: literal = false
            }
            let pieceWidth = literal ? 1 : 3
            // A soft break ("=") keeps every line within 76 characters.
            if width + pieceWidth > 75 {
                out += [UInt8(ascii: "="), cr, lf]
                width = 0
            }
            if literal {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "="), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
            }
            width += pieceWidth
            position += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Base64 in lines of 76 characters, each ended by CRLF.
    public static func base64Lines(_ data: [UInt8]) -> String {
        let encoded = Data(data).base64EncodedString()
        var out = "", start = encoded.startIndex
        while start < encoded.endIndex {
            let end = encoded.index(start, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            out += encoded[start..<end] + "\r\n"
            start = end
        }
        return out
    }

    /// True when `text` can stand in a header as it is: printable ASCII and spaces.
    public static func isPlainHeaderText(_ text: String) -> Bool {
        text.utf8.allSatisfy { (32...126).contains($0) }
    }

    /// RFC 2047 "B" encoded words for `text`, each at most 75 characters and none splitting a
    /// character's UTF-8 bytes, separated by a space (a folding point).
    public static func encodedWords(_ text: String) -> [String] {
        var words: [String] = [], chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            // 42 bytes are 56 base64 characters: "=?UTF-8?B?" + 56 + "?=" is 68, so that even
            // "Subject: " and the first word fit in 78.
            if chunk.count + bytes.count > 42, !chunk.isEmpty {
                words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words
    }

    /// Unstructured header text (a subject): as it is when plain ASCII, else encoded words.
    /// Control characters (CR and LF included) never get here: `MailMessage` refuses them.
    public static func headerText(_ text: String) -> [String] {
        isPlainHeaderText(text) ? text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) : encodedWords(text)
    }

    /// A mailbox for From, To and Cc: `name <address>`, the name as an atom sequence, a quoted
    /// string or encoded words, whichever it needs.
    public static func mailbox(_ address: MailAddress) -> [String] {
        guard let name = address.name else { return ["<\(address.address)>"] }
        let specials = Set("()<>[]:;@\\,.\"".utf8)
        let words: [String]
        if !isPlainHeaderText(name) {
            words = encodedWords(name)
        } else if name.utf8.contains(where: specials.contains) {
            words = ["\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""]
        } else {
            words = name.split(separator: " ").map(String.init)
        }
        return words + ["<\(address.address)>"]
    }

    /// One header field folded (RFC 5322 2.2.3) at the spaces between `words` so that lines stay
    /// within 78 characters where the words allow (a word is never broken; none is longer than 998).
    public static func header(_ name: String, words: [String]) -> String {
        var out = name + ":", lineLength = out.count
        for word in words {
            if lineLength + 1 + word.count > 78, lineLength > name.count + 1 {
                out += "\r\n"
                lineLength = 0
            }
            out += " " + word
            lineLength += 1 + word.count
        }
        return out + "\r\n"
    }

    /// An RFC 5322 date: "Fri, 04 Dec 2026 03:17:31 +0000".
    public static func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)
}
