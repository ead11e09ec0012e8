import Foundation
import HandoverCore
import HandoverStore
import HandoverServices
import HandoverTrust
import HandoverWire
import Hummingbird

/// The audit log API under /api/v1/audit (admins and auditors of the caller's organization).
struct AuditRoutes: Sendable {
    let audit: AuditService

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1/audit")
        api.get("checkpoint") { _, context in
            let member = try context.requireMember()
            let checkpoint = try await audit.checkpoint(for: member)
            return try JSONIO.response(
                CheckpointResponse(
                    size: checkpoint.size, rootHash: Data(checkpoint.rootHash).base64EncodedString(),
                    checkpoint: checkpoint.note, verifierKey: try audit.verifierKey(organizationID: member.organizationID)))
        }
        api.get("entries") { request, context in
            let member = try context.requireMember()
            let query = request.uri.queryParameters
            let start = try Self.integer(query["start"], "start") ?? 0
            let entries = try await audit.entries(for: member, start: start, end: try Self.integer(query["end"], "end"))
            return try JSONIO.response(AuditEntriesResponse(entries: entries.map { AuditEntryBody(entry: $0.entry, leafHash: $0.leafHash) }))
        }
        api.get("nodes") { request, context in
            let member = try context.requireMember()
            let query = request.uri.queryParameters
            guard let level = try Self.integer(query["level"], "level") else { throw APIError.badRequest("Give the tree level as ?level=N (1 and up).") }
            let start = try Self.integer(query["start"], "start") ?? 0
            let hashes = try await audit.nodes(for: member, level: level, start: start, end: try Self.integer(query["end"], "end"))
            return try JSONIO.response(AuditNodesResponse(level: level, start: start, hashes: hashes))
        }
        api.get("proofs/inclusion") { request, context in
            let member = try context.requireMember()
            let query = request.uri.queryParameters
            guard let index = try Self.integer(query["index"], "index") else { throw APIError.badRequest("Give the entry's number as ?index=N.") }
            let (size, proof) = try await audit.inclusionProof(for: member, index: index, size: try Self.integer(query["size"], "size"))
            return try JSONIO.response(InclusionProofResponse(index: index, size: size, hashes: proof.map { Data($0).base64EncodedString() }))
        }
        api.get("proofs/consistency") { request, context in
            let member = try context.requireMember()
            let query = request.uri.queryParameters
            guard let from = try Self.integer(query["from"], "from") else { throw APIError.badRequest("Give the older tree size as ?from=N.") }
            let (to, proof) = try await audit.consistencyProof(for: member, from: from, to: try Self.integer(query["to"], "to"))
            return try JSONIO.response(ConsistencyProofResponse(from: from, to: to, hashes: proof.map { Data($0).base64EncodedString() }))
        }
        api.get("export") { request, context in
            let member = try context.requireMember()
            let includeEntries: Bool
            switch request.uri.queryParameters["entries"] {
            case nil, "true": includeEntries = true
            case "false": includeEntries = false
            default: throw APIError.badRequest("entries must be true or false.", errors: [Problem(path: "entries", message: "not true or false")])
            }
            return try JSONIO.response(try await audit.export(for: member, includeEntries: includeEntries))
        }
    }

    static func integer(_ text: Substring?, _ name: String) throws -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), value >= 0 else {
            throw APIError.badRequest("\(name) must be a whole number, 0 or more.", errors: [Problem(path: name, message: "not a whole number")])
        }
        return value
    }
}
