import Foundation
import HandoverCore
import HandoverServices
import HandoverTrust
import HandoverWire
import Hummingbird

/// Physical assets and custody transfers under /api/v1: decode, call the custody service, encode.
struct CustodyRoutes: Sendable {
    let custody: CustodyService

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1")
        api.get("assets") { request, context in
            let actor = try context.requireMember()
            let query = request.uri.queryParameters
            let assets = try await custody.assets(
                custodianID: query["custodian"].map(String.init), accountID: query["account"].map(String.init), by: actor)
            return try JSONIO.response(ListResponse(items: assets))
        }
        api.post("assets") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(CreatePhysicalAssetRequest.self, from: request, context: context)
            let asset = try await custody.registerAsset(
                kind: body.kind, name: body.name, serial: body.serial, location: body.location, condition: body.condition, custodianID: body.custodianID,
                accountID: body.accountID, by: actor)
            return try JSONIO.response(asset, status: .created, headers: [.eTag: ETag.make(asset.version)])
        }
        api.get("assets/:id") { _, context in
            let actor = try context.requireMember()
            let asset = try await custody.asset(id: try context.parameters.require("id"), by: actor)
            return try JSONIO.response(asset, headers: [.eTag: ETag.make(asset.version)])
        }
        api.patch("assets/:id") { request, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            _ = try await custody.asset(id: id, by: actor)
            let body = try await JSONIO.decode(UpdatePhysicalAssetRequest.self, from: request, context: context)
            let asset = try await custody.updateAsset(
                id: id, name: body.name, serial: body.serial, location: body.location, condition: body.condition,
                expectedVersion: try ETag.expectedVersion(request), by: actor)
            return try JSONIO.response(asset, headers: [.eTag: ETag.make(asset.version)])
        }
        api.get("assets/:id/history") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(try await custody.history(assetID: try context.parameters.require("id"), by: actor))
        }
        api.get("custody-transfers") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await custody.transfers(by: actor)))
        }
        api.post("custody-transfers") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(StartCustodyTransferRequest.self, from: request, context: context)
            let transfer = try await custody.startTransfer(fromID: body.fromID, toID: body.toID, handoverID: body.handoverID, assetIDs: body.assetIDs, by: actor)
            return try JSONIO.response(Self.response(try await custody.status(transfer)), status: .created)
        }
        api.get("custody-transfers/:id") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(Self.response(try await custody.status(id: try context.parameters.require("id"), by: actor)))
        }
        api.put("custody-transfers/:id/receipt") { request, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            _ = try await custody.transfer(id: id, by: actor)
            let body = try await JSONIO.decode(CustodyReceiptRequest.self, from: request, context: context)
            let transfer = try await custody.recordReceipt(id: id, items: body.items, extras: (body.extras ?? []).map(\.extra), by: actor)
            return try JSONIO.response(Self.response(try await custody.status(transfer)))
        }
        api.get("custody-transfers/:id/payload") { request, context in
            let actor = try context.requireMember()
            let role = try request.uri.queryParameters["role"].map { text in
                guard let role = CustodyRole(rawValue: String(text)) else {
                    let allowed = CustodyRole.allCases.map(\.rawValue).joined(separator: ", ")
                    throw APIError.badRequest("role must be one of \(allowed).", errors: [Problem(path: "role", message: "must be one of \(allowed)")])
                }
                return role
            }
            let payload = try await custody.payload(id: try context.parameters.require("id"), role: role, by: actor)
            return try JSONIO.response(
                CustodyPayloadResponse(payloadType: CustodyStatement.type, payload: Data(try payload.canonicalBytes()).base64EncodedString(), fields: payload))
        }
        api.post("custody-transfers/:id/signatures") { request, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            _ = try await custody.transfer(id: id, by: actor)
            let body = try await JSONIO.decode(CustodySignatureRequest.self, from: request, context: context)
            let transfer = try await custody.sign(id: id, envelope: body.envelope, authentication: context.authenticationDescription, by: actor)
            return try JSONIO.response(Self.response(try await custody.status(transfer)), status: .created)
        }
    }

    static func response(_ status: CustodyService.TransferStatus) -> CustodyTransferResponse {
        CustodyTransferResponse(
            transfer: status.transfer, recordDigest: status.recordDigest, signatures: status.signatures, valid: status.valid, missing: status.missing)
    }
}
