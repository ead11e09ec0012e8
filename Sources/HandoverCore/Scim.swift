import Foundation

/// The pure part of SCIM 2.0 (RFC 7643, 7644): the one filter supported, and PATCH operations
/// applied to the few attributes a member has. The service reads and writes; this decides.
public enum Scim {
    /// An error in RFC 7644 §3.12's terms: the HTTP status and the `scimType` (nil where the RFC
    /// has none, e.g. 404).
    public struct Failure: Error, Sendable, Equatable {
        public var status: Int
        public var scimType: String?
        public var detail: String

        public init(status: Int, scimType: String?, detail: String) {
            self.status = status
            self.scimType = scimType
            self.detail = detail
        }

        public static func invalidFilter(_ detail: String) -> Failure { Failure(status: 400, scimType: "invalidFilter", detail: detail) }
        public static func invalidValue(_ detail: String) -> Failure { Failure(status: 400, scimType: "invalidValue", detail: detail) }
        public static func invalidSyntax(_ detail: String) -> Failure { Failure(status: 400, scimType: "invalidSyntax", detail: detail) }
        public static func noTarget(_ detail: String) -> Failure { Failure(status: 400, scimType: "noTarget", detail: detail) }
        public static func mutability(_ detail: String) -> Failure { Failure(status: 400, scimType: "mutability", detail: detail) }
        public static func uniqueness(_ detail: String) -> Failure { Failure(status: 409, scimType: "uniqueness", detail: detail) }
        public static func notFound(_ detail: String) -> Failure { Failure(status: 404, scimType: nil, detail: detail) }
        public static func unauthorized(_ detail: String) -> Failure { Failure(status: 401, scimType: nil, detail: detail) }
    }

    /// `attribute eq "value"`: the only filter identity providers send when provisioning (they
    /// look a user up before creating it). Anything else is `invalidFilter`, never ignored: a
    /// filter ignored would answer every user.
    public struct Filter: Sendable, Equatable {
        public enum Attribute: String, Sendable, CaseIterable {
            case userName
            case emailsValue = "emails.value"
            case externalId
            case displayName
            /// Inside a PATCH path's brackets: `members[value eq "id"]`.
            case value
        }
        /// What Users may be filtered by; Groups take `displayName` and `externalId`.
        public static let userAttributes: [Attribute] = [.userName, .emailsValue, .externalId]
        public static let groupAttributes: [Attribute] = [.displayName, .externalId]
        public var attribute: Attribute
        public var value: String

        public static func parse(_ text: String, attributes: [Attribute] = userAttributes) throws -> Filter {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            let parts = trimmed.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard parts.count == 3 else { throw Failure.invalidFilter("only `attribute eq \"value\"` is supported, got \(text)") }
            // Attribute names and operators are case-insensitive (RFC 7644 §3.4.2.2).
            guard let attribute = attributes.first(where: { $0.rawValue.lowercased() == parts[0].lowercased() }) else {
                throw Failure.invalidFilter(
                    "filtering by \(parts[0]) is not supported here: use \(attributes.map(\.rawValue).joined(separator: ", "))")
            }
            guard parts[1].lowercased() == "eq" else { throw Failure.invalidFilter("only the eq operator is supported, got \(parts[1])") }
            let quoted = parts[2]
            guard quoted.count >= 2, quoted.hasPrefix("\""), quoted.hasSuffix("\"") else {
                throw Failure.invalidFilter("the value must be a quoted string, got \(quoted)")
            }
            let inner = String(quoted.dropFirst().dropLast())
            guard let data = "\"\(inner)\"".data(using: .utf8), let value = try? JSONDecoder().decode(String.self, from: data) else {
                throw Failure.invalidFilter("the value \(quoted) is not a valid string")
            }
            return Filter(attribute: attribute, value: value)
        }
    }

    /// What a User resource may change on a member: its name, email (userName) and active flag.
    /// Nil leaves the attribute as it is.
    public struct UserChange: Sendable, Equatable {
        public var userName: String?
        public var formatted: String?
        public var givenName: String?
        public var familyName: String?
        public var active: Bool?

        public init(userName: String? = nil, formatted: String? = nil, givenName: String? = nil, familyName: String? = nil, active: Bool? = nil) {
            self.userName = userName
            self.formatted = formatted
            self.givenName = givenName
            self.familyName = familyName
            self.active = active
        }

        /// The member's name after the change: `formatted`, else the given and family names, each
        /// part the change leaves out kept from `current` (split at its first space, as a User
        /// shows it): Entra sends only the part that changed. A removed part (empty) goes.
        public func name(current: String) -> String {
            if let formatted, !formatted.trimmingCharacters(in: .whitespaces).isEmpty { return formatted }
            if givenName == nil && familyName == nil { return current }
            let split = current.split(separator: " ", maxSplits: 1).map(String.init)
            let given = givenName ?? split.first ?? "", family = familyName ?? (split.count > 1 ? split[1] : "")
            let parts = [given, family].map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return parts.isEmpty ? current : parts.joined(separator: " ")
        }

        /// From a whole User resource (POST, PUT): `userName`, `name`, `emails`, `active`.
        public static func resource(_ body: JSONValue) throws -> UserChange {
            guard case .object(let object) = body else { throw Failure.invalidSyntax("the body must be a JSON object") }
            var change = UserChange()
            for (key, value) in object { try change.set(key, value) }
            return change
        }

        /// Sets one attribute by its (case-insensitive) path; unknown attributes are ignored, as
        /// RFC 7644 lets a service provider do for attributes it does not keep.
        mutating func set(_ path: String, _ value: JSONValue) throws {
            switch path.lowercased() {
            case "username": userName = try Self.string(value, path)
            case "active": active = try Self.bool(value)
            case "name":
                guard case .object(let name) = value else { throw Failure.invalidValue("name must be an object") }
                for (key, part) in name { try set("name." + key, part) }
            case "name.formatted": formatted = try Self.string(value, path)
            case "name.givenname": givenName = try Self.string(value, path)
            case "name.familyname": familyName = try Self.string(value, path)
            case "emails":
                guard case .array(let emails) = value else { throw Failure.invalidValue("emails must be an array") }
                // The primary email, else the first: the member's one address is userName's.
                let chosen = emails.first { $0["primary"] == .bool(true) } ?? emails.first
                if userName == nil, let email = chosen?["value"], case .string(let address) = email { userName = address }
            default: break
            }
        }

        static func string(_ value: JSONValue, _ path: String) throws -> String? {
            switch value {
            case .string(let text): return text
            case .null: return nil
            default: throw Failure.invalidValue("\(path) must be a string")
            }
        }

        /// A boolean, or the strings Entra sends ("True", "False").
        static func bool(_ value: JSONValue) throws -> Bool {
            switch value {
            case .bool(let flag): return flag
            case .string(let text) where text.lowercased() == "true": return true
            case .string(let text) where text.lowercased() == "false": return false
            default: throw Failure.invalidValue("active must be true or false")
            }
        }
    }

    /// Applies a PATCH request's `Operations` (RFC 7644 §3.5.2) in the shapes Okta and Entra send:
    /// `op` in any case; `replace`/`add` with a `path` and a value, or without a path and an
    /// object of attributes; `remove` of a simple attribute (which, for the attributes a member
    /// must have, is refused as `mutability`).
    public static func patch(_ body: JSONValue) throws -> UserChange {
        var change = UserChange()
        for operation in try operations(body) {
            let op = operation.op, path = operation.path
            switch op {
            case "add", "replace":
                guard let value = operation.value else { throw Failure.invalidSyntax("\(op) needs a value") }
                if let path {
                    try change.set(path, value)
                } else {
                    guard case .object(let attributes) = value else { throw Failure.invalidSyntax("\(op) without a path needs an object value") }
                    for (key, attribute) in attributes { try change.set(key, attribute) }
                }
            case "remove":
                guard let path else { throw Failure.noTarget("remove needs a path") }
                switch path.lowercased() {
                case "username", "active", "name", "name.formatted", "emails":
                    throw Failure.mutability("\(path) is required for a member and cannot be removed")
                case "name.givenname": change.givenName = ""
                case "name.familyname": change.familyName = ""
                default: break  // attributes not kept: nothing to remove
                }
            default: throw Failure.invalidSyntax("op must be add, replace or remove, got \(op)")
            }
        }
        return change
    }
}

extension Scim.Failure {
    public static func invalidPath(_ detail: String) -> Scim.Failure { Scim.Failure(status: 400, scimType: "invalidPath", detail: detail) }
}
