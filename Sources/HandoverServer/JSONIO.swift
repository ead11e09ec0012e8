import Foundation
import HandoverCore
import HandoverWire
import Hummingbird
import NIOCore

/// Reading request bodies and writing responses, with the API's error conventions.
enum JSONIO {
    static var contentType: String { WireJSON.contentType }

    /// Decodes the body as `T`: 413 over the size limit, 400 naming the field for malformed JSON or wrong types.
    /// `limit`: a larger body limit than the server's, for a route whose body is a file (a realignment's CSV).
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: AppContext, limit: Int? = nil) async throws -> T {
        let data = try await body(of: request, context: context, limit: limit)
        do {
            let value = try WireJSON.decoder.decode(T.self, from: data)
            if let value = value as? any Encodable { try RequestShape.check(data, decoded: value) }
            return value
        } catch let error as DecodingError {
            let problem = Problem(decoding: error, in: data)
            throw APIError.badRequest(problem.path.isEmpty ? "The body is \(problem.message)." : "\(problem.path): \(problem.message).", errors: [problem])
        }
    }

    static func body(of request: Request, context: AppContext, limit: Int? = nil) async throws -> Data {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: max(limit ?? 0, context.maxUploadSize))
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge
        }
        if buffer.readableBytes == 0 { throw APIError.badRequest("The request needs a JSON body.") }
        let data = Data(buffer.readableBytesView)
        if let (path, scalar) = TextRule.firstForbidden(inJSON: data) { throw APIError.controlCharacter(in: path, scalar) }
        return data
    }

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = contentType
        let data = try WireJSON.encoder.encode(value)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
