import Foundation
import HandoverCore

/// What JSONDecoder lets through that the OpenAPI document does not allow (`additionalProperties:
/// false`, no `null` types): a key no field reads, which is most often a typo (`ownerId`) that would
/// quietly mean "the default", and an optional key sent as `null`, which decoding reads as absent.
/// Both are 400 naming the key. Handover content is the exception: there `null` clears a field,
/// and its keys are checked against the template instead.
enum RequestShape {
    /// Top-level keys whose contents are not checked here.
    static let freeForm: Set<String> = ["content"]

    /// Checks the body `data` that decoded as `value`; re-encoding `value` gives the keys it has.
    static func check(_ data: Data, decoded value: some Encodable) throws {
        guard let input = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return }
        if let path = firstNull(input, path: "", depth: 0) {
            throw APIError.badRequest("\(path): must not be null; leave the key out instead.", errors: [Problem(path: path, message: "must not be null")])
        }
        guard let encoded = try? JSONEncoder().encode(value),
            let known = try? JSONSerialization.jsonObject(with: encoded, options: [.fragmentsAllowed])
        else { return }
        if let path = firstUnknownKey(input, known, path: "", depth: 0) {
            throw APIError.badRequest("\(path): not a key this request takes.", errors: [Problem(path: path, message: "unknown key")])
        }
    }

    static func firstNull(_ value: Any, path: String, depth: Int) -> String? {
        if value is NSNull { return path }
        if let object = value as? [String: Any] {
            for key in object.keys.sorted() where !(depth == 0 && freeForm.contains(key)) {
                if let found = firstNull(object[key]!, path: JSONPath.member(path, key), depth: depth + 1) { return found }
            }
        } else if let array = value as? [Any] {
            for (index, element) in array.enumerated() {
                if let found = firstNull(element, path: JSONPath.element(path, index), depth: depth + 1) { return found }
            }
        }
        return nil
    }

    /// The first key of `input` that the re-encoded value `known` does not have. Encoding writes
    /// every field that holds a value, and no input key is null by now, so every key read is there.
    static func firstUnknownKey(_ input: Any, _ known: Any, path: String, depth: Int) -> String? {
        if let object = input as? [String: Any], let knownObject = known as? [String: Any] {
            for key in object.keys.sorted() where !(depth == 0 && freeForm.contains(key)) {
                guard let knownValue = knownObject[key] else { return JSONPath.member(path, key) }
                if let found = firstUnknownKey(object[key]!, knownValue, path: JSONPath.member(path, key), depth: depth + 1) { return found }
            }
        } else if let array = input as? [Any], let knownArray = known as? [Any] {
            for (index, element) in array.enumerated() where index < knownArray.count {
                if let found = firstUnknownKey(element, knownArray[index], path: JSONPath.element(path, index), depth: depth + 1) { return found }
            }
        }
        return nil
    }

}
