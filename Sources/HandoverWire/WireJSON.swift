import Foundation
import HandoverCore

/// The one configuration of JSON for `/api/v1`, used by the server to write and read bodies and
/// by the client to write and read them back: times as `Timestamp` (RFC 3339, UTC, milliseconds),
/// keys sorted and slashes unescaped (stable bytes for ETags, caches and tests).
public enum WireJSON {
    /// The content type of every JSON body the API sends.
    public static let contentType = "application/json; charset=utf-8"
    /// The content type of an error (`ProblemDetails`, RFC 9457).
    public static let problemContentType = "application/problem+json"

    /// Shared: encoding with it is thread-safe, and making one per response was measurable.
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return encoder
    }()

    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 time: \(text)")
            }
            return date
        }
        return decoder
    }()
}
