import Foundation

/// What an imported row can say. Every kind uses the same fields; a contact's `role` is its job
/// title, a deal's `due` its close date, a ticket's `name` its subject.
public enum ImportField: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case externalID = "externalId"
    case account, name, status, priority, owner, due, amount, email, phone, role, body

    public var label: String {
        switch self {
        case .externalID: "External id"
        case .account: "Account"
        case .name: "Name or subject"
        case .status: "Status or stage"
        case .priority: "Priority"
        case .owner: "Owner"
        case .due: "Due or close date"
        case .amount: "Amount"
        case .email: "Email"
        case .phone: "Phone"
        case .role: "Role or job title"
        case .body: "Description"
        }
    }

    /// The longest value kept, in characters; a longer one makes its row a bad row.
    public var maxLength: Int {
        switch self {
        case .externalID: 200
        case .body: 20_000
        default: 1_000
        }
    }

    public static func < (lhs: ImportField, rhs: ImportField) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Which columns feed which field: one column, or several joined with a space. Saved per
/// organization and source, so the next export of the same shape needs no choices.
public struct ImportMapping: Sendable, Hashable, Codable {
    public var columns: [ImportField: [String]]

    public init(columns: [ImportField: [String]] = [:]) {
        self.columns = columns.filter { !$0.value.isEmpty }
    }

    /// What is wrong with it for these headers: the external id unmapped, a column the file does
    /// not have. Paths are `mapping.<field>`.
    public func problems(headers: [String]) -> [Problem] {
        var problems: [Problem] = []
        if columns[.externalID] == nil {
            problems.append(Problem(path: "mapping.\(ImportField.externalID.rawValue)", message: "map the column that holds each row's id in the source system"))
        }
        let known = Set(headers)
        for (field, names) in columns.sorted(by: { $0.key < $1.key }) {
            for name in names where !known.contains(name) {
                problems.append(Problem(path: "mapping.\(field.rawValue)", message: "names \"\(name.prefix(80))\", which is not a column of this file"))
            }
        }
        return problems
    }

    /// The mapping with each field's columns as positions in `headers` (the first of a repeated
    /// header, as Jira repeats "Labels").
    public func positions(headers: [String]) -> [ImportField: [Int]] {
        var index: [String: Int] = [:]
        for (i, header) in headers.enumerated() where index[header] == nil { index[header] = i }
        return columns.mapValues { $0.compactMap { index[$0] } }
    }

    /// `field=Column` pairs as the CLI and the API's query take them (`name=First Name+Last Name`
    /// joins two columns); a field not named keeps `base`'s columns.
    public static func parse(_ pairs: [String], over base: ImportMapping) throws -> ImportMapping {
        var columns = base.columns
        var problems: [Problem] = []
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "=") else {
                problems.append(Problem(path: "map", message: "\"\(pair.prefix(80))\" is not field=Column"))
                continue
            }
            let name = String(pair[..<equals]).trimmingCharacters(in: .whitespaces)
            guard let field = ImportField(rawValue: name) else {
                let known = ImportField.allCases.map(\.rawValue).joined(separator: ", ")
                problems.append(Problem(path: "map", message: "\"\(name.prefix(40))\" is not a field; fields: \(known)"))
                continue
            }
            let value = pair[pair.index(after: equals)...]
            columns[field] = value.isEmpty ? nil : value.split(separator: "+").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        return ImportMapping(columns: columns)
    }

    /// As `field=Column` pairs, in field order (what `parse` reads back).
    public var pairs: [String] {
        columns.sorted { $0.key < $1.key }.map { "\($0.key.rawValue)=\($0.value.joined(separator: "+"))" }
    }
}

extension ImportMapping {
    /// Stored and sent as `{"externalId": ["Id"], …}`.
    public init(from decoder: any Decoder) throws {
        let raw = try [String: [String]](from: decoder)
        var columns: [ImportField: [String]] = [:]
        for (key, value) in raw {
            guard let field = ImportField(rawValue: key) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(key) is not an import field"))
            }
            columns[field] = value
        }
        self.init(columns: columns)
    }

    public func encode(to encoder: any Encoder) throws {
        try Dictionary(uniqueKeysWithValues: columns.map { ($0.key.rawValue, $0.value) }).encode(to: encoder)
    }
}
