import Foundation

/// One mailbox: an optional display name and an address. Checked on creation, so that nothing
/// built from one can carry CR/LF into a header or an SMTP command.
public struct MailAddress: Sendable, Hashable, Codable {
    public var name: String?
    public var address: String

    /// - Throws: `MailAddress.Invalid` for an address that is not `local@domain` in printable
    ///   ASCII without spaces, angle brackets or control characters, or a name with control
    ///   characters (CR and LF included).
    public init(name: String? = nil, address: String) throws {
        let trimmedName = name?.trimmingCharacters(in: .whitespaces)
        if let trimmedName, trimmedName.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw Invalid(text: trimmedName, reason: "a display name cannot contain control characters (line breaks included)")
        }
        guard Self.isValidAddress(address) else {
            throw Invalid(text: address, reason: "an email address is local@domain in ASCII, without spaces, line breaks or angle brackets")
        }
        self.name = trimmedName.flatMap { $0.isEmpty ? nil : $0 }
        self.address = address
    }

    /// Deliberately strict (SMTPUTF8 is not offered): a local part and a dotted domain of
    /// printable ASCII, nothing that needs quoting in an SMTP path.
    public static func isValidAddress(_ text: String) -> Bool {
        guard text.utf8.count <= 254, let at = text.lastIndex(of: "@") else { return false }
        let local = text[..<at], domain = text[text.index(after: at)...]
        guard !local.isEmpty, local.utf8.count <= 64, !domain.isEmpty else { return false }
        let localAllowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.".utf8)
        guard local.utf8.allSatisfy(localAllowed.contains), !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let labelAllowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-".utf8)
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.utf8.allSatisfy(labelAllowed.contains) && !label.hasPrefix("-") && !label.hasSuffix("-")
        }
    }

    /// The domain, for Message-IDs and EHLO.
    public var domain: String { String(address[address.index(after: address.lastIndex(of: "@")!)...]) }

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "\"\(text.debugDescription.dropFirst().dropLast())\" is not usable in an email: \(reason)" }
    }
}
