import Foundation

/// Cuts a JSON export into its records as the bytes arrive, so a large export is never held
/// whole: the records are the objects of the first array in the file, whether the file is that
/// array (`[{…}, …]`) or an API page that wraps it (`{"issues": [{…}]}`, `{"tickets": …}`,
/// `{"results": …}`, `{"records": …}`). JSON Lines (one object a line) is the same with no array.
public struct JSONRecordSplitter: Sendable {
    public struct Malformed: Error, Sendable, Hashable {
        public var message: String
    }

    private let lines: Bool
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// The depth of the records' opening braces, once the array holding them is found.
    private var recordDepth: Int?
    private var current: [UInt8] = []
    private var capturing = false
    /// Inside a number, true, false or null that is a record of its own.
    private var inScalar = false
    /// Records found so far, counting those that were not objects.
    public private(set) var count = 0

    /// - Parameter lines: JSON Lines: every top-level object is a record.
    public init(lines: Bool) {
        self.lines = lines
        if lines { recordDepth = 0 }
    }

    /// The records completed by these bytes, each a whole JSON object; a record that is not an
    /// object (a number in the array) is `nil` at its place.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws -> [[UInt8]?] {
        var done: [[UInt8]?] = []
        for byte in bytes {
            if capturing { current.append(byte) }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                if !capturing, depth == recordDepth {
                    count += 1
                    done.append(nil)
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if !capturing, depth == recordDepth {
                    capturing = true
                    current = [byte]
                }
                depth += 1
                // The first array opened at the top or one level in holds the records.
                if recordDepth == nil, byte == UInt8(ascii: "["), depth <= 2 { recordDepth = depth }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                inScalar = false
                depth -= 1
                if depth < 0 { throw Malformed(message: "a closing bracket has no opening one") }
                if capturing, depth == recordDepth {
                    capturing = false
                    count += 1
                    done.append(current)
                    current = []
                }
            default:
                if inScalar {
                    if byte == UInt8(ascii: ",") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { inScalar = false }
                } else if !capturing, let recordDepth, depth == recordDepth, Self.startsScalar(byte) {
                    inScalar = true
                    count += 1
                    done.append(nil)
                }
            }
        }
        return done
    }

    private static func startsScalar(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "t")
            || byte == UInt8(ascii: "f") || byte == UInt8(ascii: "n")
    }

    /// Throws if the file ended inside a record or a string.
    public func finish() throws {
        if inString || capturing || depth != 0 { throw Malformed(message: "the file ends in the middle of record \(count + 1)") }
    }

    /// A record's values by dotted path (`fields.status.name`): nested objects are walked, a list
    /// of plain values is joined with ", ", null is empty, and a list of objects is left out.
    public static func flatten(_ object: [UInt8]) throws -> [(key: String, value: String)] {
        guard case .object(let root) = try JSONDecoder().decode(JSONValue.self, from: Data(object)) else {
            throw Malformed(message: "not an object")
        }
        var out: [(key: String, value: String)] = []
        func walk(_ value: JSONValue, _ path: String) {
            switch value {
            case .object(let members):
                for key in members.keys.sorted() { walk(members[key]!, path.isEmpty ? key : path + "." + key) }
            case .array(let items):
                let plain = items.compactMap(scalar)
                if plain.count == items.count { out.append((path, plain.joined(separator: ", "))) }
            default:
                out.append((path, scalar(value) ?? ""))
            }
        }
        walk(.object(root), "")
        return out
    }

    private static func scalar(_ value: JSONValue) -> String? {
        switch value {
        case .null: ""
        case .bool(let flag): flag ? "true" : "false"
        case .string(let text): text
        case .number(let number):
            number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .array, .object: nil
        }
    }
}
