import Foundation
import HandoverCore
import HandoverWire

/// Imports: the export streamed from disk as the raw body of `POST /api/v1/imports`.
extension HandoverAPIClient {
    public func uploadImport(
        file path: String, name: String, source: String?, mapping: [String], strict: Bool, review: Bool,
        progress: (@Sendable (Int64, Int64) -> Void)? = nil
    ) async throws -> Reply<ImportResponse> {
        var items = [URLQueryItem(name: "name", value: name)]
        if let source { items.append(URLQueryItem(name: "source", value: source)) }
        items += mapping.map { URLQueryItem(name: "map", value: $0) }
        if strict { items.append(URLQueryItem(name: "strict", value: "true")) }
        if review { items.append(URLQueryItem(name: "review", value: "true")) }
        return try await uploadFile(path, to: "/api/v1/imports", query: items, progress: progress)
    }
}
