import Foundation
import HandoverCore
import Testing

/// The pure MIME builder: what goes on the wire, byte for byte where it matters. (The SMTP
/// tests parse the same output back with Python's `email` package.)
@Suite struct MailMessageTests {
    static let date = Date(timeIntervalSince1970: 1_790_000_000)

    static func message(subject: String = "Hello", html: String? = nil, attachments: [MailAttachment] = []) throws -> MailMessage {
        try MailMessage(
            from: MailAddress(name: "Handover", address: "handover@example.com"), to: [try MailAddress(name: "Zoë Ångström", address: "zoe@example.com")],
            subject: subject, text: "Hi Zoë\nline two  \n", html: html, attachments: attachments, messageID: "m1@example.com", date: date)
    }

    @Test func headersAreRFC5322WithEncodedWordsForNonASCII() throws {
        let text = try Self.message(subject: "Übergabe: Acme → Zoë").rendered()
        #expect(text.hasPrefix("Date: Mon, 21 Sep 2026 14:13:20 +0000\r\nFrom: Handover <handover@example.com>\r\n"))
        #expect(text.contains("To: =?UTF-8?B?\(Data("Zoë Ångström".utf8).base64EncodedString())?= <zoe@example.com>\r\n"))
        #expect(text.contains("Subject: =?UTF-8?B?\(Data("Übergabe: Acme → Zoë".utf8).base64EncodedString())?=\r\n"))
        #expect(text.contains("Message-ID: <m1@example.com>\r\nAuto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n"))
        #expect(text.contains("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nHi Zo=C3=AB\r\nline two =20\r\n"))
    }

    @Test func everyLineEndsInCRLFStaysWithin78AndIsASCII() throws {
        let long = String(repeating: "Zoë and the long subject line ", count: 8)
        let attachment = try MailAttachment(
            filename: "Übergabe.ics", contentType: "text/calendar; charset=utf-8; method=REQUEST", content: Array(repeating: 0xFF, count: 500))
        let text = try Self.message(subject: String(long.prefix(240)), html: "<p>" + String(repeating: "é", count: 300) + "</p>", attachments: [attachment]).rendered()
        #expect(text.utf8.allSatisfy { $0 < 128 })
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n") && !text.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 78 }, "\(lines.filter { $0.utf8.count > 78 })")
        #expect(text.contains("Content-Type: multipart/mixed;\r\n boundary=\"=_handover_"))
        #expect(text.contains("Content-Type: multipart/alternative;"))
        #expect(text.contains("filename*=utf-8''%C3%9Cbergabe.ics"))
        #expect(text.contains("Content-Type: text/calendar; charset=utf-8; method=REQUEST\r\nContent-Transfer-Encoding: base64\r\n"))
    }

    @Test func quotedPrintableRoundTripsAndEncodesWhatMailSystemsMangle() {
        #expect(MIMEEncoding.quotedPrintable("a=b\tc \r\nd\re\n") == "a=3Db\tc=20\r\nd\r\ne\r\n")
        let long = String(repeating: "x", count: 200)
        let encoded = MIMEEncoding.quotedPrintable(long)
        #expect(encoded.components(separatedBy: "\r\n").allSatisfy { $0.count <= 76 })
        #expect(encoded.replacingOccurrences(of: "=\r\n", with: "") == long)
    }

    /// The byte-wise encoder gives exactly what the first, String-based one gave.
    @Test func quotedPrintableMatchesTheStringBasedEncoderItReplaced() {
        func reference(_ text: String) -> String {
            let lines = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
                .split(separator: "\n", omittingEmptySubsequences: false)
            var out = ""
            for (index, line) in lines.enumerated() {
                var current = ""
                let bytes = Array(line.utf8)
                for (position, byte) in bytes.enumerated() {
                    let isLast = position == bytes.count - 1
                    let piece: String
                    switch byte {
                    case UInt8(ascii: " "), UInt8(ascii: "\t"): piece = isLast ? String(format: "=%02X", byte) : String(UnicodeScalar(byte))
                    case 33...60, 62...126: piece = String(UnicodeScalar(byte))
                    default: piece = String(format: "=%02X", byte)
                    }
                    if current.count + piece.count > 75 {
                        out += current + "=\r\n"
                        current = ""
                    }
                    current += piece
                }
                out += current
                if index < lines.count - 1 { out += "\r\n" }
            }
            return out
        }
        var inputs = [
            "", "\n", "\r", "\r\n\r\n", "a \r\nb\t\rc \n", " ", "trailing \t", "Zoë Ångström → Acme 👩‍👩‍👧\r\nnext",
            String(repeating: "x", count: 74) + "é" + String(repeating: "y", count: 80), String(repeating: "= ", count: 60) + "\n.",
        ]
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ab =\t\r\né→.")
        for _ in 0..<200 { inputs.append(String((0..<Int.random(in: 0..<300, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })) }
        for input in inputs { #expect(MIMEEncoding.quotedPrintable(input) == reference(input), "\(input.debugDescription)") }
    }

    @Test func encodedWordsNeverSplitACharacterAndStayWithin75() {
        let words = MIMEEncoding.encodedWords(String(repeating: "👩‍👩‍👧 Zoë ", count: 10))
        #expect(words.count > 1 && words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") })
        let decoded = words.map { word -> String in
            let base64 = word.dropFirst(10).dropLast(2)
            return String(decoding: Data(base64Encoded: String(base64))!, as: UTF8.self)
        }
        #expect(decoded.joined() == String(repeating: "👩‍👩‍👧 Zoë ", count: 10))
        #expect(decoded.allSatisfy { !$0.contains("\u{FFFD}") })
    }

    @Test func namesWithSpecialsAreQuoted() throws {
        #expect(MIMEEncoding.mailbox(try MailAddress(name: "Smith, \"Bob\"", address: "bob@example.com")) == ["\"Smith, \\\"Bob\\\"\"", "<bob@example.com>"])
        #expect(MIMEEncoding.mailbox(try MailAddress(address: "bob@example.com")) == ["<bob@example.com>"])
    }

    @Test func lineBreaksCannotBeInjectedIntoHeadersOrCommands() {
        #expect(throws: MailAddress.Invalid.self) { try MailAddress(address: "bob@example.com\r\nRCPT TO:<eve@evil.example>") }
        #expect(throws: MailAddress.Invalid.self) { try MailAddress(address: "bob@example.com>") }
        #expect(throws: MailAddress.Invalid.self) { try MailAddress(address: "bob smith@example.com") }
        #expect(throws: MailAddress.Invalid.self) { try MailAddress(address: "bob@-example.com") }
        #expect(throws: MailAddress.Invalid.self) { try MailAddress(name: "Bob\r\nBcc: eve@evil.example", address: "bob@example.com") }
        #expect(throws: MailMessage.Invalid.self) { try Self.message(subject: "Hi\r\nBcc: eve@evil.example") }
        #expect(throws: MailMessage.Invalid.self) { try Self.message(subject: String(repeating: "x", count: 251)) }
        #expect(HandoverMails.headerSafe("Acme\r\nBcc: eve@evil.example") == "Acme  Bcc: eve@evil.example")
    }

    @Test func theSubmitNoticeNamesWhoWhatAndLinksTheHandover() throws {
        let now = Self.date
        let tom = Member(id: "m-tom", organizationID: "o", email: "tom@example.com", name: "Tom <T>", role: .member, createdAt: now)
        let rita = Member(id: "m-rita", organizationID: "o", email: "rita@example.com", name: "Rita", role: .member, createdAt: now)
        let account = Account(
            id: "a1", organizationID: "o", name: "Acme & Co", kind: .customer, ownerID: tom.id, profile: AccountProfile(), createdAt: now, updatedAt: now)
        let handover = Handover(
            id: "h1", organizationID: "o", accountID: account.id, templateKey: "customer-account", templateVersion: 1, transferorID: tom.id,
            recipientID: rita.id, state: .submitted, content: HandoverContent(), version: 2, createdAt: now, updatedAt: now)
        let notice = try #require(
            HandoverMails.submitted(handover: handover, account: account, transferor: tom, recipient: rita, publicURL: "https://h.example/", id: "x1", at: now))
        #expect(notice.to == [try MailAddress(name: "Rita", address: "rita@example.com")] && notice.handoverID == "h1" && notice.state == .queued)
        #expect(notice.subject == "Tom <T> handed over Acme & Co to you")
        #expect(notice.text.contains("https://h.example/handovers/h1") && notice.text.hasPrefix("Hello Rita,"))
        #expect(notice.html?.contains("Tom &lt;T&gt;") == true && notice.html?.contains("<strong>Acme &amp; Co</strong>") == true)
        #expect(try notice.mail(from: MailAddress(address: "handover@h.example")).messageID == "x1@h.example")
        var nowhere = rita
        nowhere.email = "not an address"
        #expect(
            HandoverMails.submitted(handover: handover, account: account, transferor: tom, recipient: nowhere, publicURL: "https://h.example", id: "x2", at: now) == nil)
    }
}
