import Foundation

extension Scim {
    /// What a Group request changes on a team: its name and its members, as an ordered list of
    /// member operations (a PATCH may add and remove in one request, and order matters).
    public struct GroupChange: Sendable, Equatable {
        public enum Members: Sendable, Equatable {
            case add([String])
            case remove([String])
            case removeAll
            case replace([String])
        }

        public var displayName: String?
        public var members: [Members]

        public init(displayName: String? = nil, members: [Members] = []) {
            self.displayName = displayName
            self.members = members
        }

        /// The member ids after the operations, in order: `current` first, additions after.
        public func memberIDs(from current: [String]) -> [String] {
            var ids = current
            // Sets beside the ordered list: an identity provider's group may have thousands.
            var present = Set(ids)
            for operation in members {
                switch operation {
                case .add(let added):
                    for id in added where present.insert(id).inserted { ids.append(id) }
                case .remove(let removed):
                    let gone = Set(removed)
                    ids.removeAll(where: gone.contains)
                    present.subtract(gone)
                case .removeAll:
                    ids = []
                    present = []
                case .replace(let all):
                    ids = Self.unique(all)
                    present = Set(ids)
                }
            }
            return ids
        }

        /// Every id an operation adds: the ones that must be members of the organization.
        public var addedIDs: [String] {
            Self.unique(
                members.flatMap { operation -> [String] in
                    switch operation {
                    case .add(let ids), .replace(let ids): return ids
                    case .remove, .removeAll: return []
                    }
                })
        }

        static func unique(_ ids: [String]) -> [String] {
            var seen = Set<String>()
            return ids.filter { seen.insert($0).inserted }
        }

        /// From a whole Group resource (POST, PUT): `displayName` and `members` (which replace).
        public static func resource(_ body: JSONValue) throws -> GroupChange {
            guard case .object(let object) = body else { throw Failure.invalidSyntax("the body must be a JSON object") }
            var change = GroupChange()
            for (key, value) in object { try change.set(key, value, adding: false) }
            // PUT replaces the whole resource: a Group without members has none.
            if !change.members.contains(where: { if case .replace = $0 { true } else { false } }) { change.members.append(.replace([])) }
            return change
        }

        /// Sets one attribute by its (case-insensitive) name; `members` adds or replaces.
        /// Attributes not kept (externalId, id, meta…) are ignored.
        mutating func set(_ path: String, _ value: JSONValue, adding: Bool) throws {
            switch path.lowercased() {
            case "displayname":
                guard case .string(let name) = value else { throw Failure.invalidValue("displayName must be a string") }
                displayName = name
            case "members":
                let ids = try Self.memberValues(value)
                members.append(adding ? .add(ids) : .replace(ids))
            case let other where other.hasPrefix("members"):
                // `members[value eq "x"]`, `members.value`…: not a shape add or replace takes here;
                // refused, never ignored (ignored, it would look applied).
                throw Failure.invalidPath("\(path) cannot be set: add or replace members with the path members and an array")
            default: break
            }
        }

        /// `[{"value": "<member id>", "display": …}, …]`: the ids.
        static func memberValues(_ value: JSONValue) throws -> [String] {
            switch value {
            case .null: return []
            case .array(let entries):
                return try entries.map { entry in
                    guard case .string(let id)? = entry["value"] else { throw Failure.invalidValue("each member needs a value, the user's id") }
                    return id
                }
            default: throw Failure.invalidValue("members must be an array of {\"value\": id}")
            }
        }
    }

    /// A Group PATCH (RFC 7644 §3.5.2) in the shapes Okta and Entra send: `add` to `members`
    /// with an array; `remove` of `members[value eq "id"]`, of `members` with a value array
    /// (Entra), or of all `members`; `replace` of `displayName` or `members`, or without a path
    /// an object of attributes (Okta renames that way). `op` in any case.
    public static func groupPatch(_ body: JSONValue) throws -> GroupChange {
        var change = GroupChange()
        for operation in try operations(body) {
            switch operation.op {
            case "add", "replace":
                guard let value = operation.value else { throw Failure.invalidSyntax("\(operation.op) needs a value") }
                if let path = operation.path {
                    try change.set(path, value, adding: operation.op == "add")
                } else {
                    guard case .object(let attributes) = value else { throw Failure.invalidSyntax("\(operation.op) without a path needs an object value") }
                    for (key, attribute) in attributes { try change.set(key, attribute, adding: operation.op == "add") }
                }
            case "remove":
                guard let path = operation.path else { throw Failure.noTarget("remove needs a path") }
                if let id = try memberFilter(path) {
                    change.members.append(.remove([id]))
                } else if path.lowercased() == "members" {
                    if let value = operation.value, value != .null {
                        change.members.append(.remove(try GroupChange.memberValues(value)))
                    } else {
                        change.members.append(.removeAll)
                    }
                } else if path.lowercased() == "displayname" {
                    throw Failure.mutability("displayName is required for a team and cannot be removed")
                } else if path.lowercased().hasPrefix("members") {
                    throw Failure.invalidPath("\(path) cannot be removed: remove members[value eq \"id\"] or members")
                }
            default: throw Failure.invalidSyntax("op must be add, replace or remove, got \(operation.op)")
            }
        }
        return change
    }

    /// `members[value eq "id"]` → the id; nil for any other path. A filter on anything but
    /// `value` is refused, never ignored (ignored, it would remove nobody and look applied).
    static func memberFilter(_ path: String) throws -> String? {
        let lower = path.lowercased()
        guard lower.hasPrefix("members["), lower.hasSuffix("]") else { return nil }
        let inner = String(path.dropFirst("members[".count).dropLast())
        let filter = try Filter.parse(inner, attributes: [.value])
        return filter.value
    }

    /// One PATCH operation with its `op` lowercased.
    struct Operation {
        var op: String
        var path: String?
        var value: JSONValue?
    }

    /// The `Operations` of a PATCH body, each checked for shape.
    static func operations(_ body: JSONValue) throws -> [Operation] {
        guard case .object(let object) = body else { throw Failure.invalidSyntax("the body must be a JSON object") }
        guard let operationsKey = object.keys.first(where: { $0.lowercased() == "operations" }), case .array(let operations) = object[operationsKey]!
        else { throw Failure.invalidSyntax("a PATCH body needs Operations, an array") }
        return try operations.map { operation in
            guard case .object(let fields) = operation else { throw Failure.invalidSyntax("each operation must be an object") }
            func field(_ name: String) -> JSONValue? { fields.first { $0.key.lowercased() == name }?.value }
            guard case .string(let op) = field("op") ?? .null else { throw Failure.invalidSyntax("each operation needs an op") }
            let path: String?
            switch field("path") {
            case .string(let text): path = text
            case nil, .null: path = nil
            default: throw Failure.invalidPath("path must be a string")
            }
            return Operation(op: op.lowercased(), path: path, value: field("value"))
        }
    }
}
