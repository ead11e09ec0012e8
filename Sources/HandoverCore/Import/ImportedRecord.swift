import Foundation

/// One row of an export as Handover keeps it: its fields, the account it belongs to (when one
/// was found), and its provenance: the source, the file, the row, the time. Re-importing the same
/// export updates it in place: it is keyed by organization, source and external id.
public struct ImportedRecord: Sendable, Hashable, Codable {
    public var source: String
    public var kind: ImportKind
    public var externalID: String
    /// The account as the source names it (its id there, or a name).
    public var accountRef: String?
    /// The Handover account it was linked to; nil when none matched `accountRef`.
    public var accountID: String?
    public var name: String
    public var status: String?
    public var priority: String?
    public var owner: String?
    public var due: CalendarDate?
    /// A decimal number as text ("12500.50"), the currency dropped.
    public var amount: String?
    public var email: String?
    public var phone: String?
    public var role: String?
    public var body: String?
    public var provenance: Provenance

    public struct Provenance: Sendable, Hashable, Codable {
        public var importID: String
        public var file: String
        /// The row as a spreadsheet numbers it: the header is row 1.
        public var row: Int
        public var importedAt: Date

        public init(importID: String, file: String, row: Int, importedAt: Date) {
            self.importID = importID
            self.file = file
            self.row = row
            self.importedAt = importedAt
        }
    }

    public init(
        source: String, kind: ImportKind, externalID: String, accountRef: String? = nil, accountID: String? = nil, name: String, status: String? = nil,
        priority: String? = nil, owner: String? = nil, due: CalendarDate? = nil, amount: String? = nil, email: String? = nil, phone: String? = nil,
        role: String? = nil, body: String? = nil, provenance: Provenance
    ) {
        self.source = source
        self.kind = kind
        self.externalID = externalID
        self.accountRef = accountRef
        self.accountID = accountID
        self.name = name
        self.status = status
        self.priority = priority
        self.owner = owner
        self.due = due
        self.amount = amount
        self.email = email
        self.phone = phone
        self.role = role
        self.body = body
        self.provenance = provenance
    }
}

/// A row that was not imported, and why, where a person finds it in their file.
public struct ImportProblem: Sendable, Hashable, Codable {
    public var row: Int
    /// The column at fault, by its header; nil for the row as a whole.
    public var column: String?
    public var reason: String

    public init(row: Int, column: String?, reason: String) {
        self.row = row
        self.column = column
        self.reason = reason
    }
}

/// Turns one row into a record, or says every reason it cannot be one. Pure: the caller links
/// the account and stores it.
public struct ImportRowReader: Sendable {
    public let source: ImportSource
    public let headers: [String]
    let positions: [ImportField: [Int]]

    public init(source: ImportSource, mapping: ImportMapping, headers: [String]) {
        self.source = source
        self.headers = headers
        self.positions = mapping.positions(headers: headers)
    }

    public func record(_ fields: [String], row: Int, provenance: ImportedRecord.Provenance) -> Result<ImportedRecord, ImportRowProblems> {
        var problems: [ImportProblem] = []
        func column(_ field: ImportField) -> String? { positions[field]?.first.map { headers[$0] } }
        // Called for a million rows: the common case (nothing to trim, short, no NUL) is checked
        // on the UTF-8 bytes before any slower String work.
        func value(_ field: ImportField) -> String? {
            guard let columns = positions[field] else { return nil }
            var parts: [String] = []
            for index in columns where index < fields.count {
                let text = Self.trimmed(fields[index])
                if !text.isEmpty { parts.append(text) }
            }
            guard !parts.isEmpty else { return nil }
            let joined = parts.count == 1 ? parts[0] : parts.joined(separator: " ")
            if joined.utf8.count > field.maxLength, joined.count > field.maxLength {
                problems.append(ImportProblem(row: row, column: column(field), reason: "is longer than \(field.maxLength) characters"))
                return nil
            }
            if joined.utf8.contains(0) {
                problems.append(ImportProblem(row: row, column: column(field), reason: "holds a NUL character"))
                return nil
            }
            return joined
        }
        let externalID = value(.externalID)
        if externalID == nil, problems.isEmpty {
            problems.append(ImportProblem(row: row, column: column(.externalID), reason: "is empty; every row needs its id in the source system"))
        }
        var due: CalendarDate?
        if let text = value(.due) {
            due = ImportValues.date(text)
            if due == nil { problems.append(ImportProblem(row: row, column: column(.due), reason: "\"\(text.prefix(40))\" is not a date")) }
        }
        var amount: String?
        if let text = value(.amount) {
            amount = ImportValues.amount(text)
            if amount == nil { problems.append(ImportProblem(row: row, column: column(.amount), reason: "\"\(text.prefix(40))\" is not an amount")) }
        }
        let email = value(.email)
        if let email, !ImportValues.isEmail(email) {
            problems.append(ImportProblem(row: row, column: column(.email), reason: "\"\(email.prefix(60))\" is not an email address"))
        }
        let record = ImportedRecord(
            source: source.id, kind: source.kind, externalID: externalID ?? "", accountRef: value(.account), name: value(.name) ?? "",
            status: value(.status), priority: value(.priority), owner: value(.owner), due: due, amount: amount, email: email,
            phone: value(.phone), role: value(.role), body: value(.body), provenance: provenance)
        return problems.isEmpty ? .success(record) : .failure(ImportRowProblems(problems: problems))
    }
}

extension ImportRowReader {
    /// Without surrounding white space; checked on the bytes first, as almost nothing needs it.
    public static func trimmed(_ text: String) -> String {
        guard let first = text.utf8.first, let last = text.utf8.last else { return text }
        let space: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        if !space(first), !space(last), first < 0x80, last < 0x80 { return text }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

public struct ImportRowProblems: Error, Sendable, Hashable {
    public var problems: [ImportProblem]

    public init(problems: [ImportProblem]) {
        self.problems = problems
    }
}

/// The value formats exports use.
public enum ImportValues {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// The day of `2026-05-01`, `2026-05-01T09:30:00Z`, `2026-05-01 09:30`, `5/1/2026 9:30 AM`
    /// (month first, as US-locale exports write it, unless the first number cannot be a month),
    /// `01/May/26 9:30 AM` (Jira) and `1 May 2026`. The time and zone are dropped: the day as
    /// the source wrote it is the day meant.
    public static func date(_ text: String) -> CalendarDate? {
        // Most exports write ISO dates: `YYYY-MM-DD`, maybe with a time after it.
        let utf8 = Array(text.utf8.prefix(11))
        if utf8.count >= 10, utf8[4] == UInt8(ascii: "-"), utf8[7] == UInt8(ascii: "-"),
            utf8.count == 10 || utf8[10] == UInt8(ascii: "T") || utf8[10] == UInt8(ascii: " "),
            let date = CalendarDate(String(decoding: utf8[0..<10], as: UTF8.self))
        {
            return date
        }
        let head = String(text.prefix { $0 != " " && $0 != "T" })
        if let date = CalendarDate(head) { return date }
        if head.count > 10, let date = CalendarDate(String(head.prefix(10))) { return date }
        let slashed = head.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if slashed.count == 3 {
            if let a = Int(slashed[0]), let b = Int(slashed[1]), let y = year(slashed[2]) {
                return a > 12 ? day(y, b, a) : day(y, a, b)
            }
            if let d = Int(slashed[0]), let m = month(slashed[1]), let y = year(slashed[2]) { return day(y, m, d) }
        }
        let words = text.split(separator: " ").map(String.init)
        if words.count >= 3, let d = Int(words[0]), let m = month(words[1]), let y = year(words[2]) { return day(y, m, d) }
        return nil
    }

    private static func month(_ text: String) -> Int? {
        months.firstIndex(of: String(text.lowercased().prefix(3))).map { $0 + 1 }
    }

    private static func year(_ text: String) -> Int? {
        guard let y = Int(text) else { return nil }
        switch text.count {
        case 4: return y
        case 2: return 2000 + y
        default: return nil
        }
    }

    private static func day(_ year: Int, _ month: Int, _ day: Int) -> CalendarDate? {
        CalendarDate(String(format: "%04d-%02d-%02d", year, month, day))
    }

    /// `12500`, `12,500.50`, `$12,500.50`, `EUR 12500`, `-40`: the number, as text with a dot.
    public static func amount(_ text: String) -> String? {
        // A currency before or after the number, never inside it ("1e9" is no amount).
        let outside: (Character) -> Bool = { $0.isLetter || $0.isWhitespace || "$€£¥".contains($0) }
        var digits = Substring(text).drop(while: outside)
        while let last = digits.last, outside(last) { digits = digits.dropLast() }
        var number = digits.filter { $0 != "," }
        var negative = false
        if number.hasPrefix("-") {
            negative = true
            number.removeFirst()
        }
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard !number.isEmpty, parts.count <= 2, !parts[0].isEmpty, parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
        return (negative ? "-" : "") + number
    }

    public static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !text.contains(where: \.isWhitespace) && text.count <= 254
    }
}
