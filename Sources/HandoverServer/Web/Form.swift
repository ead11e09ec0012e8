import Foundation
import HandoverCore
import Hummingbird
import NIOCore

/// A posted `application/x-www-form-urlencoded` body: the browser's only way to send a form
/// without JavaScript.
struct Form: Sendable {
    private(set) var values: [String: String] = [:]

    init(_ pairs: [String: String] = [:]) { values = pairs }

    /// Parses `a=1&b=two+words`; a repeated name keeps its last value.
    init(urlEncoded text: Substring) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            values[name] = value
        }
    }

    /// A GET form's fields from the query string, decoded as a browser encodes them (a space
    /// as `+`, which the router's query parameters leave as it is).
    init(query request: Request) {
        self.init(urlEncoded: Substring(request.uri.query ?? ""))
    }

    static func decode(_ part: Substring) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    subscript(name: String) -> String? { values[name] }

    /// The value trimmed, or nil when absent or blank.
    func text(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// Reads the request body as a form: 413 over the limit (the server's, or a larger `limit`
    /// for a form that carries a file's text), 415 for anything but a form.
    static func read(_ request: Request, context: AppContext, limit: Int? = nil) async throws -> Form {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw APIError.unsupportedMediaType("Send the form as application/x-www-form-urlencoded.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: max(limit ?? 0, context.maxUploadSize))
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge
        }
        let form = Form(urlEncoded: Substring(String(buffer: buffer)))
        // The API's text rule, field by field (sorted, so the same form names the same field).
        for name in form.values.keys.sorted() {
            if let scalar = TextRule.firstForbidden(in: name) ?? TextRule.firstForbidden(in: form.values[name]!) {
                throw APIError.controlCharacter(in: name, scalar)
            }
        }
        return form
    }
}
