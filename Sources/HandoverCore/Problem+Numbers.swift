import Foundation

extension Problem {
    /// Like `init(decoding:)`, naming the field when Foundation's JSONDecoder could not: it reports a
    /// number that does not fit an integer field (`1.5`, `1e30`, `2^64`) as "not valid JSON" with no
    /// path. When the body parses as JSON after all, the first number that is not a whole number in
    /// Int's range is the one.
    public init(decoding error: DecodingError, in data: Data) {
        if case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
            let root = try? JSONDecoder().decode(JSONValue.self, from: data),
            let path = Self.firstNonInteger(root, path: "")
        {
            self.init(path: path, message: "expected a whole number from \(Int.min) to \(Int.max)")
        } else {
            self.init(decoding: error)
        }
    }

    private static func firstNonInteger(_ value: JSONValue, path: String) -> String? {
        switch value {
        case .number(let number):
            // 2^63 is exact as a Double; Int.max is not, so compare against the power of two.
            let fits = number.rounded() == number && number >= -0x1p63 && number < 0x1p63
            return fits ? nil : path
        case .object(let object):
            for key in object.keys.sorted() {
                if let found = firstNonInteger(object[key]!, path: JSONPath.member(path, key)) { return found }
            }
        case .array(let array):
            for (index, element) in array.enumerated() {
                if let found = firstNonInteger(element, path: JSONPath.element(path, index)) { return found }
            }
        case .null, .bool, .string:
            break
        }
        return nil
    }
}
